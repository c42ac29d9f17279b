//! Staff roles as a closed set, what each may do, and the credentials they log in with.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Operator,
    Supervisor,
    Analyst,
    Investigator,
    Auditor,
    Admin,
}

/// What a role may do. Handlers ask `role.may(...)`, never compare role names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the queue of waiting conversations and take one.
    TakeConversations,
    /// Read every conversation, whoever holds it (shift leads).
    ReadAllConversations,
    /// Chat with the witness, write notes, fill and qualify the report of a held conversation.
    HandleConversations,
    /// Read the qualified reports routed to one's départements.
    ReadRoutedReports,
    /// Read the audit log (no case content).
    ReadAuditLog,
    /// List and manage staff accounts (no case content).
    ManageAccounts,
    /// Manage units, the routing table and retention rules (no case content).
    ManageUnits,
    /// Read the dossiers disseminated to one's unit, acknowledge them, record outcomes.
    ReadDisseminated,
    /// See aggregate statistics (no case content).
    ViewStatistics,
    /// See the map: reports per département, and the points de deal of one's départements.
    ViewMap,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Operator,
        Role::Supervisor,
        Role::Analyst,
        Role::Investigator,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn may(self, permission: Permission) -> bool {
        use Permission as P;
        use Role as R;
        matches!(
            (self, permission),
            (
                R::Operator | R::Supervisor,
                P::TakeConversations | P::HandleConversations
            ) | (R::Supervisor, P::ReadAllConversations)
                | (R::Analyst, P::ReadRoutedReports)
                | (R::Auditor, P::ReadAuditLog)
                | (R::Admin, P::ManageAccounts | P::ManageUnits)
                | (R::Investigator, P::ReadDisseminated)
                | (
                    R::Supervisor | R::Analyst | R::Auditor | R::Admin,
                    P::ViewStatistics
                )
                | (R::Supervisor | R::Analyst, P::ViewMap)
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Analyst => "analyst",
            Role::Investigator => "investigator",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or(Invalid::new("role-invalid"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A login name: 3 to 32 characters, lower-case letters, digits, dot, dash, underscore.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim().to_ascii_lowercase();
        let ok = (3..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Self(name))
        } else {
            Err(Invalid::new("username-invalid"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy: 12 to 256 characters, not all the same character.
/// Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if chars < 12 {
            return Err(Invalid::new("password-too-short"));
        }
        if chars > 256 {
            return Err(Invalid::new("password-too-long"));
        }
        let mut it = raw.chars();
        let first = it.next();
        if it.all(|c| Some(c) == first) {
            return Err(Invalid::new("password-too-weak"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_operators_and_supervisors_handle_conversations() {
        for role in Role::ALL {
            let expected = matches!(role, Role::Operator | Role::Supervisor);
            assert_eq!(
                role.may(Permission::HandleConversations),
                expected,
                "{role}"
            );
            assert_eq!(role.may(Permission::TakeConversations), expected, "{role}");
        }
    }

    #[test]
    fn admin_and_auditor_never_read_case_content() {
        for p in [
            Permission::ReadAllConversations,
            Permission::HandleConversations,
            Permission::ReadRoutedReports,
            Permission::ReadDisseminated,
            Permission::ViewMap,
        ] {
            assert!(!Role::Admin.may(p));
            assert!(!Role::Auditor.may(p));
        }
    }

    #[test]
    fn roles_round_trip_and_unknown_is_refused() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn password_policy() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("aaaaaaaaaaaaaaa").is_err());
        assert!(Password::parse("correct horse battery").is_ok());
        assert!(
            !format!("{:?}", Password::parse("correct horse battery").unwrap()).contains("horse")
        );
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn nasty() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ \\t]{0,2}[A-Za-z0-9._\\-@é ]{0,40}[ \\n]{0,2}",
            ("\\PC{1,3}", 1usize..120).prop_map(|(s, n)| s.repeat(n)),
        ]
    }

    proptest! {
        #[test]
        fn usernames_never_panic_and_accepted_ones_are_canonical(raw in nasty()) {
            if let Ok(name) = Username::parse(&raw) {
                let s = name.as_str();
                prop_assert!((3..=32).contains(&s.len()));
                prop_assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)));
                prop_assert_eq!(Username::parse(s), Ok(name.clone()));
                // Case and surrounding blanks do not make another account.
                prop_assert_eq!(Username::parse(&format!(" {} ", s.to_ascii_uppercase())), Ok(name.clone()));
            }
        }

        #[test]
        fn passwords_never_panic_and_accepted_ones_meet_the_policy(raw in nasty()) {
            if let Ok(p) = Password::parse(&raw) {
                let n = raw.chars().count();
                prop_assert!((12..=256).contains(&n));
                prop_assert_eq!(p.expose(), raw.as_str());
                let first = raw.chars().next();
                prop_assert!(raw.chars().any(|c| Some(c) != first));
                let shown = format!("{p:?}");
                prop_assert!(!shown.contains(&raw));
            } else {
                let n = raw.chars().count();
                let first = raw.chars().next();
                let all_same = raw.chars().all(|c| Some(c) == first);
                prop_assert!(!(12..=256).contains(&n) || all_same);
            }
        }

        #[test]
        fn roles_parse_exactly_their_names(raw in prop_oneof![any::<String>(), "(operator|supervisor|analyst|investigator|auditor|admin)[ A]?"]) {
            match Role::parse(&raw) {
                Ok(role) => prop_assert_eq!(role.as_str(), raw.as_str()),
                Err(e) => {
                    prop_assert!(Role::ALL.iter().all(|r| r.as_str() != raw));
                    prop_assert_eq!(e.code, "role-invalid");
                }
            }
        }
    }
}
