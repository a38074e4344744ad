//! The closed vocabularies of the format, shared by loading and the model below both:
//! component kinds, STRIDE categories, severities, data classifications, mitigation
//! statuses, review decisions, flow directions, actors, dates, and review states.
//!
//! Each choice is a [`Choice`]: a list of kebab-case names that loading, the JSON Schema
//! and serialisation all take from the same macro, so they cannot disagree. Nothing here
//! knows about files or the model: `load` reads these values, `model` resolves with them,
//! and the pipeline runs one way.

mod date;
mod state;

pub use self::date::Date;
pub use self::state::{ModelState, STATE_PREFIX};

use schemars::JsonSchema;
use serde::Serialize;

/// A closed set of kebab-case values.
pub trait Choice: Sized + Copy + 'static {
    /// What the value is called in messages ("component kind").
    const WHAT: &'static str;
    /// Every value with its name, in the order the format documents them.
    const ALL: &'static [(&'static str, Self)];

    fn as_str(self) -> &'static str;

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|(n, _)| *n).collect()
    }
}

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident, $what:literal { $( $(#[$vdoc:meta])* $variant:ident = $text:literal, )* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $text)] $variant, )*
        }

        impl Choice for $name {
            const WHAT: &'static str = $what;
            const ALL: &'static [(&'static str, Self)] = &[ $( ($text, $name::$variant), )* ];

            fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

choice! {
    /// The DFD element a component is.
    ComponentKind, "component kind" {
        /// Outside the system's control: users, browsers, third-party services.
        ExternalEntity = "external-entity",
        /// Code that runs and transforms data.
        Process = "process",
        /// Data at rest: databases, caches, files, queues.
        DataStore = "data-store",
    }
}

choice! {
    /// How sensitive an asset is.
    Classification, "classification" {
        Public = "public",
        Internal = "internal",
        Confidential = "confidential",
        Restricted = "restricted",
    }
}

impl Classification {
    /// Confidential and restricted data need protection whenever it leaves its zone.
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            Classification::Confidential | Classification::Restricted
        )
    }
}

choice! {
    /// The STRIDE category of a threat.
    Category, "STRIDE category" {
        Spoofing = "spoofing",
        Tampering = "tampering",
        Repudiation = "repudiation",
        InformationDisclosure = "information-disclosure",
        DenialOfService = "denial-of-service",
        ElevationOfPrivilege = "elevation-of-privilege",
    }
}

impl Category {
    /// The human title ("Information disclosure").
    pub fn title(self) -> &'static str {
        match self {
            Category::Spoofing => "Spoofing",
            Category::Tampering => "Tampering",
            Category::Repudiation => "Repudiation",
            Category::InformationDisclosure => "Information disclosure",
            Category::DenialOfService => "Denial of service",
            Category::ElevationOfPrivilege => "Elevation of privilege",
        }
    }
}

choice! {
    /// How bad a threat would be if it happened.
    Severity, "severity" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

choice! {
    /// A step of the four-step scale that likelihood, impact and risk share.
    Level, "level" {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

impl Level {
    /// The risk of a threat or pattern: likelihood and impact combined by the risk
    /// matrix ([`Level::combined`]); a missing one of the two stands in as the severity,
    /// so that with neither the severity is the risk.
    pub fn risk(severity: Severity, likelihood: Option<Level>, impact: Option<Level>) -> Level {
        let severity = Level::from(severity);
        likelihood
            .unwrap_or(severity)
            .combined(impact.unwrap_or(severity))
    }

    const SCALE: [Level; 4] = [Level::Low, Level::Medium, Level::High, Level::Critical];

    /// The step on the scale, 0 for low … 3 for critical.
    pub fn rank(self) -> usize {
        self as usize
    }

    /// The level `steps` below this one, never below low.
    pub fn lowered(self, steps: u8) -> Level {
        Level::SCALE[self.rank().saturating_sub(usize::from(steps))]
    }

    /// The risk matrix: the risk of a threat of this likelihood with `impact`.
    ///
    /// | likelihood, impact → | low | medium | high | critical |
    /// |---|---|---|---|---|
    /// | low | low | low | medium | high |
    /// | medium | low | medium | high | high |
    /// | high | medium | high | high | critical |
    /// | critical | high | high | critical | critical |
    ///
    /// The diagonal keeps the level, so a threat with only one of the two (the other
    /// taken as its severity) or neither gets a risk equal to its severity.
    pub fn combined(self, impact: Level) -> Level {
        use Level::{Critical as C, High as H, Low as L, Medium as M};
        const MATRIX: [[Level; 4]; 4] = [[L, L, M, H], [L, M, H, H], [M, H, H, C], [H, H, C, C]];
        MATRIX[self.rank()][impact.rank()]
    }
}

impl From<Severity> for Level {
    fn from(s: Severity) -> Level {
        Level::SCALE[s as usize]
    }
}

choice! {
    /// Where a mitigation stands.
    Status, "mitigation status" {
        /// Suggested, not yet agreed.
        Proposed = "proposed",
        /// Agreed and scheduled.
        Planned = "planned",
        /// In place.
        Implemented = "implemented",
        /// In place and tested or audited.
        Verified = "verified",
    }
}

impl Status {
    /// Implemented or verified: the mitigation actually protects today.
    pub fn is_effective(self) -> bool {
        matches!(self, Status::Implemented | Status::Verified)
    }
}

/// What must hold of the element a mitigation is on for the mitigation to protect
/// (`requires = { encrypted = true }`). On a flow each key is the flow's own field; on
/// a component, it must hold of every flow into the component from another zone.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    /// The flow is encrypted (`encrypted` of the flow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    /// The flow authenticates its sender (`authenticated` of the flow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticated: Option<bool>,
}

impl Requires {
    /// As TOML writes it: `{ encrypted = true, authenticated = false }`.
    pub fn to_toml(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = self.encrypted {
            parts.push(format!("encrypted = {v}"));
        }
        if let Some(v) = self.authenticated {
            parts.push(format!("authenticated = {v}"));
        }
        format!("{{ {} }}", parts.join(", "))
    }

    /// The keys a `requires` table may have.
    pub const KEYS: [&'static str; 2] = ["encrypted", "authenticated"];

    /// Whether it requires nothing.
    pub fn is_empty(&self) -> bool {
        self.encrypted.is_none() && self.authenticated.is_none()
    }

    /// The first requirement a flow with these fields fails, as it is written
    /// (`"encrypted = true"`).
    pub fn failed(&self, encrypted: bool, authenticated: bool) -> Option<&'static str> {
        match (self.encrypted, self.authenticated) {
            (Some(want), _) if want != encrypted => Some(if want {
                "encrypted = true"
            } else {
                "encrypted = false"
            }),
            (_, Some(want)) if want != authenticated => Some(if want {
                "authenticated = true"
            } else {
                "authenticated = false"
            }),
            _ => None,
        }
    }
}

choice! {
    /// What a review concluded.
    Decision, "review decision" {
        /// The reviewer signs the model off.
        Approved = "approved",
        /// The reviewer asks for changes first.
        ChangesRequested = "changes-requested",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_names<T: Choice + Serialize>() {
        for (name, value) in T::ALL {
            assert_eq!(serde_json::to_value(value).unwrap(), *name);
            assert_eq!(T::from_name(name).map(Choice::as_str), Some(*name));
        }
    }

    #[test]
    fn serialised_names_are_the_documented_names() {
        serde_names::<ComponentKind>();
        serde_names::<Classification>();
        serde_names::<Category>();
        serde_names::<Severity>();
        serde_names::<Status>();
        serde_names::<Decision>();
        serde_names::<Level>();
    }

    #[test]
    fn the_risk_matrix_is_symmetric_and_keeps_the_diagonal() {
        for (_, l) in Level::ALL {
            assert_eq!(l.combined(*l), *l);
            for (_, i) in Level::ALL {
                assert_eq!(l.combined(*i), i.combined(*l));
            }
        }
        assert_eq!(Level::Low.combined(Level::Critical), Level::High);
        assert_eq!(Level::High.combined(Level::Critical), Level::Critical);
        assert_eq!(Level::Low.combined(Level::Medium), Level::Low);
    }

    #[test]
    fn lowering_stops_at_low() {
        assert_eq!(Level::Critical.lowered(1), Level::High);
        assert_eq!(Level::High.lowered(3), Level::Low);
        assert_eq!(Level::Medium.lowered(0), Level::Medium);
        for (_, s) in Severity::ALL {
            assert_eq!(Level::from(*s).as_str(), s.as_str());
        }
    }

    #[test]
    fn order_follows_the_scale() {
        assert!(Severity::Low < Severity::Critical);
        assert!(Classification::Public < Classification::Restricted);
        assert!(Status::Proposed < Status::Verified);
    }
}

choice! {
    /// What a knowledge-base selector applies to.
    ElementKind, "element" {
        /// A component: a node of the data-flow diagram.
        Component = "component",
        /// A data flow: an edge of the diagram.
        Flow = "flow",
    }
}

choice! {
    /// Who drives an external entity.
    Actor, "actor" {
        /// A person: a user at a browser or an app, staff, an administrator.
        Human = "human",
        /// Software: a partner system, a payment provider, a scheduled job.
        System = "system",
    }
}

choice! {
    /// The model field a knowledge base's vocabulary word is matched against.
    WordField, "vocabulary field" {
        /// A component's `technology`.
        Technology = "technology",
        /// A component's `tags`.
        Tags = "tags",
    }
}

/// Which way a flow crosses a trust boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Into a more trusted zone.
    Inbound,
    /// Into a less trusted zone.
    Outbound,
    /// Into another zone of equal trust.
    Lateral,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Lateral => "lateral",
        }
    }
}

impl Choice for Direction {
    const WHAT: &'static str = "direction";
    const ALL: &'static [(&'static str, Self)] = &[
        ("inbound", Direction::Inbound),
        ("outbound", Direction::Outbound),
        ("lateral", Direction::Lateral),
    ];

    fn as_str(self) -> &'static str {
        Direction::as_str(self)
    }
}
