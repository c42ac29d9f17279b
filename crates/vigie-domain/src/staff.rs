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
