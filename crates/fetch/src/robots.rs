//! robots.txt rules (RFC 9309), parsed by `texting_robots`.

use url::Url;

/// Only this much of a robots.txt is parsed (RFC 9309 §2.5 asks for at least 500 KiB).
pub(crate) const MAX_ROBOTS_BYTES: usize = 500 * 1024;

#[derive(Debug)]
enum Kind {
    AllowAll,
    DisallowAll,
    Parsed(texting_robots::Robot),
}

/// What a host's robots.txt says for us.
#[derive(Debug)]
pub(crate) struct Rules {
    kind: Kind,
    /// `Crawl-delay` for us, if any.
    pub crawl_delay: Option<std::time::Duration>,
}

impl Rules {
    pub(crate) fn allow_all() -> Self {
        Self { kind: Kind::AllowAll, crawl_delay: None }
    }

    pub(crate) fn disallow_all() -> Self {
        Self { kind: Kind::DisallowAll, crawl_delay: None }
    }

    /// Parses `body` for `user_agent` (its product token is matched); unparseable means allow all.
    pub(crate) fn parse(user_agent: &str, body: &[u8]) -> Self {
        let token = user_agent.split('/').next().unwrap_or(user_agent);
        match texting_robots::Robot::new(token, body) {
            Ok(robot) => {
                let crawl_delay = robot
                    .delay
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .map(|d| std::time::Duration::from_secs_f32(d.min(3600.0)));
                Self { kind: Kind::Parsed(robot), crawl_delay }
            }
            Err(_) => Self::allow_all(),
        }
    }

    pub(crate) fn allows(&self, url: &Url) -> bool {
        match &self.kind {
            Kind::AllowAll => true,
            Kind::DisallowAll => false,
            Kind::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }
}
