//! HTTPS against a throwaway CA: extra CA files extend the built-in roots, and without them
//! the certificate is rejected with a TLS error that is not retried.

use std::io::BufReader;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::support::{read_request, write_reply, Reply};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sentry_api::{ApiError, Client, ClientConfig};
use sentry_api::{Provenance, Sourced};

struct TlsServer {
    url: String,
    cert_pem: String,
    handshakes_ok: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
}

fn start_tls_server() -> TlsServer {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("cert");
    let cert_der: CertificateDer<'static> = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert_der], key)
    .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let handshakes_ok = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let (ok, acc) = (handshakes_ok.clone(), accepted.clone());
    thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            acc.fetch_add(1, Ordering::SeqCst);
            let config = config.clone();
            let ok = ok.clone();
            thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
                let conn = rustls::ServerConnection::new(config).expect("conn");
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut reader = BufReader::new(&mut tls);
                if read_request(&mut reader).is_none() {
                    return;
                }
                ok.fetch_add(1, Ordering::SeqCst);
                let _ = write_reply(&mut tls, &Reply::json(200, r#"{"secure":true}"#));
                tls.conn.send_close_notify();
                let _ = tls.conn.complete_io(&mut tls.sock);
            });
        }
    });
    TlsServer {
        url: format!("https://127.0.0.1:{port}"),
        cert_pem: ck.cert.pem(),
        handshakes_ok,
        accepted,
    }
}

/// A setting the user configured themselves.
fn user<T>(value: T) -> Sourced<T> {
    Sourced::new(value, Provenance::User, "test")
}

fn cfg(server: &TlsServer) -> ClientConfig {
    let mut c =
        ClientConfig::new(server.url.clone(), "1.0.0").with_host_token("sntryu_tls", &server.url);
    c.retry_base_delay = Duration::from_millis(5);
    c.timeout = Duration::from_secs(5);
    c
}

#[test]
fn extra_ca_file_is_trusted() {
    let server = start_tls_server();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &server.cert_pem).unwrap();
    let mut c = cfg(&server);
    c.route.ca_certs = vec![user(ca)];
    let v: serde_json::Value = Client::new(c).unwrap().get("/x/").send_json().unwrap();
    assert_eq!(v["secure"], true);
    assert_eq!(server.handshakes_ok.load(Ordering::SeqCst), 1);
}

#[test]
fn unknown_ca_is_a_tls_error_and_not_retried() {
    let server = start_tls_server();
    let err = Client::new(cfg(&server))
        .unwrap()
        .get("/x/")
        .send()
        .unwrap_err();
    assert!(matches!(err, ApiError::Tls { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 30);
    assert_eq!(
        err.headline(),
        format!("TLS certificate error for {}", server.url)
    );
    assert!(
        err.details()[1].starts_with("Cause: "),
        "{:?}",
        err.details()
    );
    assert!(err.hint().unwrap().contains("SSL_CERT_FILE"));
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        1,
        "TLS errors are not retried"
    );
    assert_eq!(server.handshakes_ok.load(Ordering::SeqCst), 0);
}

#[test]
fn verify_ssl_false_accepts_any_certificate() {
    let server = start_tls_server();
    let mut c = cfg(&server);
    c.route.insecure_tls = Some(user(()));
    let v: serde_json::Value = Client::new(c).unwrap().get("/x/").send_json().unwrap();
    assert_eq!(v["secure"], true);
}

#[test]
fn unreadable_or_empty_ca_file_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = ClientConfig::new("https://sentry.io", "1");
    c.route.ca_certs = vec![user(dir.path().join("missing.pem"))];
    let err = Client::new(c.clone()).unwrap_err();
    assert_eq!(err.exit_code(), 20);
    assert!(
        err.message()
            .starts_with("Could not read CA certificate file "),
        "{}",
        err.message()
    );
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a pem\n").unwrap();
    c.route.ca_certs = vec![user(empty.clone())];
    let err = Client::new(c).unwrap_err();
    assert_eq!(
        err.message(),
        format!("No certificates found in CA file {}", empty.display())
    );
}
