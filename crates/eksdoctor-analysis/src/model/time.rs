use serde::{Deserialize, Deserializer};
use std::fmt;

/// An RFC 3339 instant, kept as seconds since the Unix epoch (sub-second parts are dropped: ages
/// in a report are shown in seconds at best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn parse(text: &str) -> Option<Timestamp> {
        let parsed =
            ::time::OffsetDateTime::parse(text, &::time::format_description::well_known::Rfc3339)
                .ok()?;
        Some(Timestamp(parsed.unix_timestamp()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match ::time::OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => {
                let fmt = ::time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
                );
                f.write_str(&t.format(&fmt).map_err(|_| fmt::Error)?)
            }
            Err(_) => write!(f, "@{}", self.0),
        }
    }
}

/// Deserializes an optional timestamp; an unparsable one is treated as absent rather than failing
/// the whole file, since no rule's verdict hangs on a single malformed time.
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid RFC 3339 time `{text}`")))
    }
}

/// `Option<Timestamp>` that accepts null, an empty string and unparsable text as `None`.
pub fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Timestamp>, D::Error> {
    let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    Ok(text.as_deref().and_then(Timestamp::parse))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_rfc3339() {
        let t = Timestamp::parse("2026-03-01T10:00:05Z").unwrap();
        assert_eq!(t.to_string(), "2026-03-01T10:00:05Z");
        let with_fraction = Timestamp::parse("2026-03-01T10:00:05.123456Z").unwrap();
        assert_eq!(with_fraction, t);
        assert!(Timestamp::parse("yesterday").is_none());
    }
}
