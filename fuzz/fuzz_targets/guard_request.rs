//! The guard's request-body path on arbitrary bytes: inspection, the
//! policy's verdict, normalisation in place (the `normalize` policy), the
//! redaction every stored row passes, and drift detection's line model.
//! Invariants: no panic; a body that was JSON stays JSON after
//! normalisation and after redaction.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use plainsight_guard::drift::{DriftModel, Observation};
use plainsight_guard::proxy::judge_body;
use plainsight_guard::recorder::prompt_strings;
use plainsight_guard::{Mode, Policy};
use plainsight_inspect::{InputFormat, InspectOptions};
use plainsight_store::{NewExchange, Redactor};

fuzz_target!(|data: &[u8]| {
    let body = Bytes::copy_from_slice(data);
    let opts = InspectOptions {
        format: InputFormat::Json,
        max_depth: 64,
        ..InspectOptions::default()
    };
    let was_json = serde_json::from_slice::<serde_json::Value>(data).is_ok();
    for mode in [Mode::Normalize, Mode::Block] {
        let policy = Policy {
            mode,
            alert_at: plainsight_core::Severity::Low,
            ..Policy::default()
        };
        let j = judge_body(&body, &policy, &opts, &http::Method::POST, "/v1/messages");
        if let Some(out) = &j.forward {
            if was_json {
                assert!(serde_json::from_slice::<serde_json::Value>(out).is_ok());
            }
        }
    }
    let sealed = Redactor::new(b"fuzz").seal_exchange(NewExchange {
        request_body: data.to_vec(),
        path: String::from_utf8_lossy(data).into_owned(),
        ..NewExchange::default()
    });
    if was_json {
        assert!(serde_json::from_slice::<serde_json::Value>(&sealed.get().request_body).is_ok());
    }
    let strings = prompt_strings(data);
    let mut model = DriftModel::new(1000);
    for ex in ["a", "b"] {
        let _ = model.observe(&Observation {
            agent: "fuzz/1",
            exchange: ex,
            at_us: 0,
            guard: "g",
            strings: &strings,
        });
    }
});
