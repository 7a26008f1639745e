//! TLS: a peer that breaks the handshake, and the CA file setting.

use crate::{KEY, fixture};
use misp_client::{ApiKey, Client, Error};
use std::io::{Read, Write};
use std::net::TcpListener;

/// An `https://` URL served by a plain TCP peer that answers the TLS
/// greeting with an HTTP error page, as a web server on the wrong port
/// does. The peer serves `connections` connections, then stops.
fn garbage_tls_peer(connections: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let peer = std::thread::spawn(move || {
        for _ in 0..connections {
            let (mut stream, _) = listener.accept().unwrap();
            let mut hello = [0u8; 2048];
            let _ = stream.read(&mut hello);
            let page = "HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nplain http\n";
            let _ = stream.write_all(page.as_bytes());
        }
    });
    (url, peer)
}

#[test]
fn a_broken_handshake_is_a_tls_error() {
    let (url, peer) = garbage_tls_peer(2);

    for verify in [true, false] {
        let client = Client::builder(&url, ApiKey::new(KEY))
            .verify_tls(verify)
            .retries(0)
            .build()
            .unwrap();
        let err = client.version().unwrap_err();
        assert!(matches!(err, Error::Tls { .. }), "verify {verify}: {err:?}");
        assert_eq!(err.code(), "tls");
        assert!(!err.is_transient());
        assert!(std::error::Error::source(&err).is_some());
    }
    peer.join().unwrap();
}

#[test]
fn a_pem_ca_file_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("misp-ca.pem");
    std::fs::write(&ca, fixture::CA_PEM).unwrap();

    let client = Client::builder("https://misp.example.org", ApiKey::new(KEY))
        .ca_file(&ca)
        .build();
    assert!(client.is_ok(), "{client:?}");
}
