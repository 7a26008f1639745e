//! Every failure a caller must tell apart, each from a real answer or a
//! real socket.

use crate::{KEY, Misp, fixture};
use misp_client::{ApiKey, Client, Error, SearchQuery};
use std::io::{Read, Write};
use std::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

fn query() -> SearchQuery {
    SearchQuery::values(["45.33.32.156"])
}

/// The error of a search that MISP answers with `status` and `body`.
fn search_error(status: u16, body: &str, content_type: &str) -> Error {
    let misp = Misp::start();
    let template = ResponseTemplate::new(status)
        .insert_header("content-type", content_type)
        .set_body_string(body);
    misp.mount(Mock::given(method("POST")).respond_with(template));
    misp.client().search(&query()).unwrap_err()
}

#[test]
fn forbidden_is_an_auth_error_with_misps_message() {
    let err = search_error(403, fixture::ERROR_403, "application/json");
    let Error::Auth { message } = &err else {
        panic!("{err:?}")
    };
    assert!(message.starts_with("Authentication failed."), "{message}");
    assert_eq!(err.code(), "auth");
    assert!(!err.is_transient());
    assert!(
        err.to_string()
            .starts_with("MISP refused the API key: Authentication failed.")
    );
}

#[test]
fn other_statuses_keep_misps_name_message_and_url() {
    let cases = [
        (400, fixture::ERROR_400, "Give at least one filter", false),
        (404, fixture::ERROR_404, "Not Found", false),
        (405, fixture::ERROR_405, "not valid JSON", false),
        (
            500,
            fixture::ERROR_500,
            "An Internal Error Has Occurred.",
            true,
        ),
    ];
    for (code, body, text, transient) in cases {
        let err = search_error(code, body, "application/json");
        let Error::Http {
            status,
            name,
            message,
            url,
        } = &err
        else {
            panic!("{code}: {err:?}")
        };
        assert_eq!(*status, code);
        assert!(name.contains(text), "{code}: {name}");
        assert!(message.contains(text), "{code}: {message}");
        assert!(url.starts_with('/'), "{code}: {url}");
        assert_eq!(err.code(), "http");
        assert_eq!(err.is_transient(), transient, "{code}");
    }
}

#[test]
fn a_login_page_is_an_html_error() {
    for status in [200, 401, 403] {
        let err = search_error(status, fixture::LOGIN_HTML, "text/html; charset=UTF-8");
        let Error::Html {
            status: got,
            endpoint,
        } = &err
        else {
            panic!("{status}: {err:?}")
        };
        assert_eq!(*got, status);
        assert_eq!(endpoint, "/attributes/restSearch");
        assert_eq!(err.code(), "bad_response");
        assert!(err.to_string().contains("wrong URL or a login proxy"));
    }
}

#[test]
fn an_undecodable_body_names_endpoint_path_and_body_start() {
    let err = search_error(200, fixture::SEARCH_UNDECODABLE, "application/json");
    let Error::Decode {
        endpoint,
        path,
        snippet,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(endpoint, "/attributes/restSearch");
    assert_eq!(path, "response.Attribute[1].value");
    assert!(
        snippet.starts_with(r#"{"response": {"Attribute": ["#),
        "{snippet}"
    );
    assert!(snippet.chars().count() <= 200);
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(err.code(), "bad_response");
}

#[test]
fn an_answer_over_the_size_limit_is_refused() {
    let misp = Misp::start();
    let body = fixture::SEARCH_STRINGS;
    misp.mount(
        Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_string(body)),
    );

    let client = misp.builder().max_response_bytes(256).build().unwrap();
    let err = client.search(&query()).unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 256, .. }), "{err:?}");
    assert_eq!(err.code(), "bad_response");

    // The same answer fits the default limit.
    assert_eq!(misp.client().search(&query()).unwrap().len(), 3);
}

#[test]
fn a_redirect_is_not_followed_and_names_its_target() {
    let misp = Misp::start();
    let target = format!("{}/users/login", misp.uri());
    misp.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", target.as_str())),
    );

    let err = misp.client().search(&query()).unwrap_err();
    assert!(matches!(err, Error::Http { status: 302, .. }), "{err:?}");
    assert!(err.to_string().contains(&target), "{err}");
    assert_eq!(misp.requests().len(), 1, "the login page was not asked");
}

#[test]
fn nothing_listening_is_unreachable() {
    // A port that was free a moment ago: nothing listens there now.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let client = Client::builder(&url, ApiKey::new(KEY))
        .retries(0)
        .build()
        .unwrap();

    let err = client.version().unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert_eq!(err.code(), "unreachable");
    assert!(err.is_transient());
    assert!(err.to_string().contains(&url), "{err}");
}

#[test]
fn a_peer_that_does_not_speak_http_is_a_bad_response() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = stream.read(&mut buf);
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
    });

    let client = Client::builder(&url, ApiKey::new(KEY))
        .retries(0)
        .build()
        .unwrap();
    let err = client.version().unwrap_err();
    server.join().unwrap();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
    assert_eq!(err.code(), "bad_response");
}

#[test]
fn unusable_settings_fail_at_build() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not-a-cert.pem");
    std::fs::write(&not_pem, "just some text\n").unwrap();

    let builders = [
        Client::builder("misp.example.org", ApiKey::new(KEY)),
        Client::builder("https://misp.example.org", ApiKey::new(KEY))
            .ca_file(dir.path().join("absent.pem")),
        Client::builder("https://misp.example.org", ApiKey::new(KEY)).ca_file(&not_pem),
    ];
    for builder in builders {
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        assert_eq!(err.code(), "config");
    }
}
