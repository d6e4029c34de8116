//! TLS on rustls (no system library), by `sslmode`:
//!
//! - `verify-full`: the server's chain is checked against `--ca-file` (PEM)
//!   or, without one, the webpki roots (Mozilla's), and its name against
//!   the URL's host (an IP address must be in the certificate's IP SANs).
//! - `require`: encrypted, the certificate not checked, as libpq's
//!   `require` without a `root.crt`. Differences from libpq: erglink never
//!   reads `~/.postgresql/root.crt` (libpq then verifies the CA even under
//!   `require`); rustls speaks TLS 1.2 and 1.3 only, with modern cipher
//!   suites, so a server offering only TLS 1.0/1.1 is refused; and the
//!   server must still prove it holds the key of the certificate it shows
//!   (the handshake signature is checked), which libpq also does.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::{Error, Result, SslMode};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client TLS settings for `mode`; `None` for `disable`.
pub fn client_config(mode: SslMode, ca_file: Option<&Path>) -> Result<Option<ClientConfig>> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(format!("cannot set up TLS: {e}")))?;
    Ok(match mode {
        SslMode::Disable => None,
        SslMode::Require => Some(
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EncryptOnly(
                    provider().signature_verification_algorithms,
                )))
                .with_no_client_auth(),
        ),
        SslMode::VerifyFull => Some(
            builder
                .with_root_certificates(roots(ca_file)?)
                .with_no_client_auth(),
        ),
    })
}

fn roots(ca_file: Option<&Path>) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    let Some(path) = ca_file else {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    };
    let bad = |why: String| Error::Tls(format!("cannot use --ca-file {}: {why}", path.display()));
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("it holds no PEM certificate".into()));
    }
    for cert in certs {
        store.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    Ok(store)
}

/// `sslmode=require`: any certificate, but a valid handshake signature.
#[derive(Debug)]
struct EncryptOnly(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ca.pem");
        std::fs::write(&p, "not a certificate\n").unwrap();
        let e = client_config(SslMode::VerifyFull, Some(&p)).unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        let e = client_config(SslMode::VerifyFull, Some(&dir.path().join("missing"))).unwrap_err();
        assert!(e.to_string().contains("--ca-file"), "{e}");
        assert!(client_config(SslMode::Disable, None).unwrap().is_none());
        assert!(client_config(SslMode::VerifyFull, None).unwrap().is_some());
        assert!(client_config(SslMode::Require, None).unwrap().is_some());
    }
}
