//! The MISP client against a loopback mock of MISP (wiremock).
//!
//! The mock server runs on its own thread; a small tokio runtime is used
//! only to start it and mount answers, and the blocking client is called
//! outside of it. Answers are the fixtures in `tests/fixtures/misp/`,
//! written after MISP 2.5's answers (see the project's DESIGN notes, §3).

mod errors;
mod logs;
mod retries;
mod search;
mod sightings;
mod tls;
mod version;
mod warninglists;

use misp_client::{ApiKey, Client, ClientBuilder};
use tokio::runtime::Runtime;
use wiremock::{Mock, MockServer, Request};

/// The key every test client sends; `logs` checks that it never leaks.
pub const KEY: &str = "Zq3kT9vW2xY7mN4pL8rS6dF1gH5jK0aB3cE9uI2o";

/// The fixtures, one constant a file.
pub mod fixture {
    macro_rules! fixtures {
        ($($name:ident = $file:literal;)*) => {
            $(
                #[doc = concat!("`tests/fixtures/misp/", $file, "`")]
                pub const $name: &str = include_str!(concat!("../fixtures/misp/", $file));
            )*
        };
    }

    fixtures! {
        SEARCH_STRINGS = "search-strings.json";
        SEARCH_INTEGERS = "search-integers.json";
        SEARCH_LEGACY_FLAGS = "search-legacy-flags.json";
        SEARCH_EMPTY = "search-empty.json";
        SEARCH_UNDECODABLE = "search-undecodable.json";
        VERSION = "version.json";
        VERSION_LEGACY = "version-legacy.json";
        ERROR_400 = "error-400.json";
        ERROR_403 = "error-403.json";
        ERROR_404 = "error-404.json";
        ERROR_405 = "error-405.json";
        ERROR_500 = "error-500.json";
        LOGIN_HTML = "login.html";
        SIGHTING_STRINGS = "sighting-strings.json";
        SIGHTING_INTEGERS = "sighting-integers.json";
        SIGHTING_REFUSED = "sighting-refused.json";
        WARNINGLIST_NONE = "warninglist-none.json";
        WARNINGLIST_HITS = "warninglist-hits.json";
        CA_PEM = "ca.pem";
    }
}

/// A mock MISP and the runtime that drives its setup.
pub struct Misp {
    runtime: Runtime,
    server: MockServer,
}

impl Misp {
    /// Starts an empty mock: every request gets 404 until answers are
    /// mounted.
    pub fn start() -> Misp {
        logs::install();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::start());
        Misp { runtime, server }
    }

    /// Adds an answer.
    pub fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    /// The mock's root URL, such as `http://127.0.0.1:41234`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A client of this mock with the test key and no repeats.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder(&self.uri(), ApiKey::new(KEY)).retries(0)
    }

    /// A client of this mock with the test key and no repeats.
    pub fn client(&self) -> Client {
        self.builder().build().unwrap()
    }

    /// Every request the mock received, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap()
    }
}

/// The one value of a header of `request`; fails when it is absent or
/// repeated.
pub fn only_header(request: &Request, name: &str) -> String {
    let values: Vec<_> = request.headers.get_all(name).iter().collect();
    assert_eq!(values.len(), 1, "{name}: {values:?}");
    values[0].to_str().unwrap().to_owned()
}
