//! The files generated from the Rust types: the UI's TypeScript
//! (`ui/src/lib/generated/types.ts`) and a copy of the OpenAPI document
//! (`docs/openapi.json`) for readers without a running instance. Tests fail
//! when either is stale; `UPDATE_GENERATED=1 cargo test generated` (or
//! `make generated`) rewrites them.

use ts_rs::Config;

/// The TypeScript the UI imports: every type that crosses to it, one file.
pub fn typescript() -> String {
    // Every number Hookscope sends fits a double (ids are strings).
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from Hookscope's Rust types by `make generated`; never edit by hand.\n\
         // The source of truth is the `#[derive(TS)]` types in src/ (model, signature, api).\n",
    );
    macro_rules! declare {
        ($($t:ty),* $(,)?) => {$(
            out.push('\n');
            if let Some(docs) = <$t>::docs() {
                out.push_str(&docs);
            }
            out.push_str("export ");
            out.push_str(&<$t>::decl(&cfg));
            out.push('\n');
        )*};
    }
    use crate::api::*;
    use crate::error::ErrorBody;
    use crate::export::Format;
    use crate::forward::{ForwardUpdate, QueueReport, TargetReport};
    use crate::inspect::Inspection;
    use crate::model::*;
    use crate::outbound::{SendError, SendErrorKind};
    use crate::replay::{
        BodyDiff, BodyLine, BulkProgress, BulkReplayRequest, Change, Diff, HeaderChange, HeaderOp, LineOp,
        ReplayRequest,
    };
    use crate::signature::generic::{GenericConfig, GenericTimestamp};
    use crate::signature::*;
    use crate::store::{Page, Stats};
    use crate::tunnel::TunnelStatus;
    declare!(
        HeaderJson,
        ValueEncoding,
        DeliverySummary,
        DeliveryHead,
        Delivery,
        DeliveryReply,
        SentResponse,
        Page<DeliverySummary>,
        Stats,
        ListQuery,
        Info,
        SignInLink,
        CoreStatus,
        LiveEvent,
        ErrorBody,
        Provider,
        ProviderInfo,
        EndpointJson,
        GenericConfig,
        GenericTimestamp,
        TimeUnit,
        Algorithm,
        Encoding,
        InspectionReport,
        Inspection,
        Verdict,
        VerdictKind,
        Evidence,
        Hint,
        HintCode,
        HeaderRead,
        SignedBytes,
        TimestampEvidence,
        ReplayRequest,
        AttemptSummary,
        Attempt,
        Sent,
        Origin,
        SendError,
        SendErrorKind,
        Draft,
        ReplayTarget,
        Diff,
        Change,
        HeaderChange,
        HeaderOp,
        BodyDiff,
        BodyLine,
        LineOp,
        BulkReplayRequest,
        BulkProgress,
        ForwardMode,
        CustomResponse,
        ForwardState,
        ForwardBadge,
        ForwardUpdate,
        QueueReport,
        TargetReport,
        TargetChoice,
        Moved,
        Format,
        ExportQuery,
        ImportReport,
        SampleRequest,
        SampleSent,
        SampleEvent,
        TunnelStatus,
        TunnelStart,
    );
    out
}

/// The OpenAPI document, pretty-printed as committed.
pub fn openapi_json() -> String {
    let doc = super::openapi();
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Compares a generated file with its committed copy; rewrites it when
    /// asked to. CI never asks, so a stale file fails the build.
    fn check(relative: &str, generated: String) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{relative} is stale: the Rust types changed. Run `make generated` and commit the result."
        );
    }

    #[test]
    fn generated_typescript_is_current() {
        check("ui/src/lib/generated/types.ts", super::typescript());
    }

    #[test]
    fn generated_openapi_is_current() {
        check("docs/openapi.json", super::openapi_json());
    }
}
