//! What can go wrong reading or writing a capture.

/// A capture erglink cannot read, or a pcapng it cannot write.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file starts with neither a pcap nor a pcapng magic number.
    #[error("not a pcap or pcapng file (it starts with {0})")]
    NotACapture(String),
    /// The file ends in the middle of a header, block or packet.
    #[error("the capture is truncated: it ends inside a {what} at byte {offset}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where it began.
        offset: usize,
    },
    /// A block or record header that cannot be right.
    #[error("the capture is damaged at byte {offset}: {why}")]
    Damaged {
        /// Where the bad block or record begins.
        offset: usize,
        /// What is wrong with it.
        why: String,
    },
    /// Nothing in the capture is USB traffic erglink knows how to read.
    #[error(
        "no USB traffic in the capture: its link types are {0}, and erglink reads Linux usbmon (189, 220) and Windows USBPcap (249)"
    )]
    NotUsb(String),
    /// Writing a pcapng failed.
    #[error("cannot write the pcapng: {0}")]
    Write(#[from] std::io::Error),
}
