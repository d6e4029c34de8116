# Sourced by tools/test. Debian's tshark (Wireshark 4.0), to check that the
# pcapng erglink writes opens in Wireshark with the HID data intact, and
# text2pcap and mergecap (wireshark-common) as an independent writer of the
# usbmon and USBPcap captures `erglink csafe pcap` reads.
if ! command -v tshark >/dev/null || ! command -v text2pcap >/dev/null || ! command -v mergecap >/dev/null; then
  echo "tools/test: installing tshark and wireshark-common from Debian" >&2
  # DEBIAN_FRONTEND=noninteractive (apt_install sets it) skips the question
  # about letting non-superusers capture.
  apt_install tshark wireshark-common
fi
ERGLINK_TEST_TSHARK="$(command -v tshark)"
ERGLINK_TEST_TEXT2PCAP="$(command -v text2pcap)"
ERGLINK_TEST_MERGECAP="$(command -v mergecap)"
export ERGLINK_TEST_TSHARK ERGLINK_TEST_TEXT2PCAP ERGLINK_TEST_MERGECAP
