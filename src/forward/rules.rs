//! The endpoints as forwarding rules, with `serve --forward-to` applied.

use crate::model::{CustomResponse, Endpoint, ForwardMode, endpoint_for};

/// Sends in flight to one target when no rule says otherwise: one, so the
/// app sees deliveries in the order they arrived.
pub const DEFAULT_CONCURRENCY: u32 = 1;

#[derive(Debug, Default)]
pub struct Rules {
    endpoints: Vec<Endpoint>,
    /// The default rule's target for this run (`--forward-to`).
    default_target: Option<String>,
}

/// What a request's rule says to do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route<'r> {
    pub target: Option<&'r str>,
    pub mode: ForwardMode,
    pub response: Option<&'r CustomResponse>,
    pub concurrency: u32,
}

impl Rules {
    pub fn new(endpoints: Vec<Endpoint>, default_target: Option<String>) -> Self {
        Rules { endpoints, default_target }
    }

    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// `--forward-to`, when given.
    pub fn default_target_override(&self) -> Option<&str> {
        self.default_target.as_deref()
    }

    /// The default rule's (`/`) target: `--forward-to` when given.
    pub fn default_target(&self) -> Option<&str> {
        self.default_target.as_deref().or_else(|| self.default_rule().and_then(|e| e.forward_to.as_deref()))
    }

    fn default_rule(&self) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.path_prefix == "/" && e.methods.is_empty())
    }

    /// The longest matching prefix decides; a rule without a target of its
    /// own (one set up only for its secret, say) forwards to the default
    /// rule's.
    pub fn route(&self, method: &str, path: &str) -> Route<'_> {
        let rule = endpoint_for(&self.endpoints, method, path);
        let own = rule.and_then(|e| e.forward_to.as_deref()).filter(|_| rule.is_some_and(|e| e.path_prefix != "/"));
        let (target, from) = match own {
            Some(t) => (Some(t), rule),
            None => (self.default_target(), self.default_rule()),
        };
        Route {
            target,
            mode: rule.map(|e| e.forward_mode).unwrap_or_default(),
            response: rule.and_then(|e| e.response.as_ref()),
            concurrency: from.and_then(|e| e.forward_concurrency).unwrap_or(DEFAULT_CONCURRENCY),
        }
    }

    /// Whether any rule forwards at all (else nothing needs routing).
    pub fn any_target(&self) -> bool {
        self.default_target.is_some() || self.endpoints.iter().any(|e| e.forward_to.is_some())
    }

    /// The most sends in flight any rule allows `target`.
    pub fn concurrency(&self, target: &str) -> u32 {
        let mut n = if self.default_target() == Some(target) {
            self.default_rule().and_then(|e| e.forward_concurrency).unwrap_or(DEFAULT_CONCURRENCY)
        } else {
            DEFAULT_CONCURRENCY
        };
        for e in &self.endpoints {
            if e.forward_to.as_deref() == Some(target) {
                n = n.max(e.forward_concurrency.unwrap_or(DEFAULT_CONCURRENCY));
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(prefix: &str, to: Option<&str>) -> Endpoint {
        Endpoint { forward_to: to.map(str::to_owned), ..Endpoint::new(prefix) }
    }

    #[test]
    fn the_longest_prefix_decides_and_rules_without_a_target_use_the_default() {
        let rules = Rules::new(
            vec![rule("/", Some("http://a")), rule("/stripe", None), rule("/github", Some("http://g"))],
            None,
        );
        assert_eq!(rules.route("POST", "/x").target, Some("http://a"));
        assert_eq!(rules.route("POST", "/stripe/1").target, Some("http://a"), "a secret-only rule uses the default");
        assert_eq!(rules.route("POST", "/github").target, Some("http://g"));
    }

    #[test]
    fn forward_to_on_the_command_line_replaces_the_default_rules_target() {
        let rules =
            Rules::new(vec![rule("/", Some("http://a")), rule("/g", Some("http://g"))], Some("http://cli".into()));
        assert_eq!(rules.route("POST", "/x").target, Some("http://cli"));
        assert_eq!(rules.route("POST", "/g").target, Some("http://g"));
        let none = Rules::new(vec![], Some("http://cli".into()));
        assert_eq!(none.route("GET", "/anything").target, Some("http://cli"), "without a / rule too");
        assert_eq!(Rules::new(vec![], None).route("GET", "/").target, None);
    }

    #[test]
    fn mode_and_response_come_from_the_matching_rule() {
        let answer = CustomResponse { status: 503, headers: vec![], body: "no".into(), delay_ms: 0 };
        let mut slow = rule("/slow", None);
        slow.response = Some(answer.clone());
        let mut pass = rule("/pass", Some("http://p"));
        pass.forward_mode = ForwardMode::Passthrough;
        pass.forward_concurrency = Some(4);
        let rules = Rules::new(vec![slow, pass], None);
        assert_eq!(rules.route("POST", "/slow").response, Some(&answer));
        assert_eq!(rules.route("POST", "/pass").mode, ForwardMode::Passthrough);
        assert_eq!(rules.route("POST", "/pass").concurrency, 4);
        assert_eq!(rules.concurrency("http://p"), 4);
    }
}
