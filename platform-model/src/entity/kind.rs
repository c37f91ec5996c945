//! The entity kinds every crate of the workspace names: Backstage's
//! builtin kinds, the scaffolder's Template, and any other.

use std::fmt;

use serde::Serialize;

/// The kind of a node, compared case-insensitively as Backstage compares
/// kinds in references.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum EntityKind {
    /// `Component`.
    Component,
    /// `API`.
    Api,
    /// `Resource`.
    Resource,
    /// `System`.
    System,
    /// `Domain`.
    Domain,
    /// `Group`.
    Group,
    /// `User`.
    User,
    /// `Location`.
    Location,
    /// `Template`.
    Template,
    /// Any other kind.
    Other,
}

impl EntityKind {
    /// The kind of a kind name, ignoring case.
    #[must_use]
    pub fn from_name(kind: &str) -> Self {
        const KINDS: [(&str, EntityKind); 9] = [
            ("component", EntityKind::Component),
            ("api", EntityKind::Api),
            ("resource", EntityKind::Resource),
            ("system", EntityKind::System),
            ("domain", EntityKind::Domain),
            ("group", EntityKind::Group),
            ("user", EntityKind::User),
            ("location", EntityKind::Location),
            ("template", EntityKind::Template),
        ];
        KINDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(kind))
            .map_or(Self::Other, |(_, k)| *k)
    }

    /// The lowercase name used in references (`component`, `api`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Component => "component",
            Self::Api => "api",
            Self::Resource => "resource",
            Self::System => "system",
            Self::Domain => "domain",
            Self::Group => "group",
            Self::User => "user",
            Self::Location => "location",
            Self::Template => "template",
            Self::Other => "other",
        }
    }

    /// The kind as Backstage spells it in `kind:` (`Component`, `API`, …),
    /// or `None` for [`Other`](Self::Other).
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::Component => "Component",
            Self::Api => "API",
            Self::Resource => "Resource",
            Self::System => "System",
            Self::Domain => "Domain",
            Self::Group => "Group",
            Self::User => "User",
            Self::Location => "Location",
            Self::Template => "Template",
            Self::Other => return None,
        })
    }

    /// Whether the kind can own entities (Group or User).
    #[must_use]
    pub fn can_own(self) -> bool {
        matches!(self, Self::Group | Self::User)
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EntityKind {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from_name(s))
    }
}

#[cfg(test)]
mod tests {
    use super::EntityKind;

    #[test]
    fn names_round_trip_ignoring_case() {
        for kind in [
            "Component",
            "API",
            "Resource",
            "System",
            "Domain",
            "Group",
            "User",
            "Location",
            "Template",
        ] {
            let parsed = EntityKind::from_name(&kind.to_ascii_lowercase());
            assert_eq!(parsed.name(), Some(kind));
            assert_eq!(parsed.as_str(), kind.to_ascii_lowercase());
        }
        assert_eq!(EntityKind::from_name("Pipeline"), EntityKind::Other);
        assert_eq!(EntityKind::Other.name(), None);
    }
}
