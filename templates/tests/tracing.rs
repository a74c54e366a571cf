//! Tracing spans of requests.
//!
//! Kept in its own test binary: the span callsite's interest is computed
//! with the default subscriber of the thread that first hits it, so a test
//! using a thread-local subscriber must not share the process with other
//! tests sending requests.

use std::time::Duration;

use mattermost_client_runtime::{Client, OperationRequest, RetryPolicy};
use reqwest::Method;
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

mod capture {
    use std::collections::BTreeMap;
    use std::fmt;
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::Subscriber;
    use tracing_subscriber::layer::Context;
    use tracing_subscriber::Layer;

    /// A recorded span: its name and fields.
    #[derive(Debug, Clone, Default)]
    pub struct SpanData {
        pub name: String,
        pub fields: BTreeMap<String, String>,
    }

    /// A layer keeping every span it sees.
    #[derive(Clone, Default)]
    pub struct Capture {
        pub spans: Arc<Mutex<Vec<(u64, SpanData)>>>,
    }

    struct Visitor<'a>(&'a mut BTreeMap<String, String>);

    impl Visit for Visitor<'_> {
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().into(), value.into());
        }

        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            self.0.insert(field.name().into(), format!("{value:?}"));
        }
    }

    impl<S: Subscriber> Layer<S> for Capture {
        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
            let mut data = SpanData {
                name: attrs.metadata().name().into(),
                ..SpanData::default()
            };
            attrs.record(&mut Visitor(&mut data.fields));
            self.spans.lock().expect("lock").push((id.into_u64(), data));
        }

        fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
            let mut spans = self.spans.lock().expect("lock");
            if let Some((_, data)) = spans.iter_mut().rev().find(|(i, _)| *i == id.into_u64()) {
                values.record(&mut Visitor(&mut data.fields));
            }
        }
    }
}

#[tokio::test]
async fn request_span_has_template_and_no_token() {
    use tracing_subscriber::layer::SubscriberExt;

    let capture = capture::Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let c = Client::builder(&server.uri())
        .token("tok-SECRET")
        .retry(RetryPolicy::new().initial_backoff(Duration::from_millis(10)))
        .build()
        .expect("client");
    c.send_empty(
        OperationRequest::new(Method::GET, "/api/v4/users/{user_id}").path_param("user_id", "u1"),
    )
    .await
    .expect("ok");

    let spans = capture.spans.lock().expect("lock").clone();
    let ours: Vec<_> = spans
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.name == "mattermost.request")
        .collect();
    assert_eq!(ours.len(), 2, "{spans:?}");
    for (i, span) in ours.iter().enumerate() {
        let f = &span.fields;
        assert_eq!(f.get("method").map(String::as_str), Some("GET"));
        assert_eq!(
            f.get("path").map(String::as_str),
            Some("/api/v4/users/{user_id}")
        );
        assert_eq!(f.get("attempt"), Some(&(i + 1).to_string()));
        assert!(f.contains_key("duration_ms"), "{f:?}");
    }
    assert_eq!(
        ours[0].fields.get("status").map(String::as_str),
        Some("503")
    );
    assert_eq!(
        ours[1].fields.get("status").map(String::as_str),
        Some("200")
    );
    assert!(!format!("{spans:?}").contains("SECRET"));
}
