//! Capabilities: proofs, checked against the store, that a staff member may touch a case.
//!
//! Operations that change a case take an `AssignedCase`; reads take a `CaseReader`. Both can only
//! be built here, after the check, so a handler that forgets to authorize does not compile.
//! Every grant of read access writes an audit row with its purpose.

use crate::{Dissemination, NewAudit, Report, Store, StoreError, StoreResult};
use vigie_domain::{
    ConversationId, DepartementCode, Permission, ReportId, Role, StaffId, Timestamp,
};

/// The authenticated staff member, as the web layer hands it to the store.
#[derive(Debug, Clone)]
pub struct StaffPrincipal {
    pub id: StaffId,
    pub username: String,
    pub role: Role,
    pub departements: Vec<DepartementCode>,
}

/// The caller holds this open conversation (or leads the shift) and may act in it.
#[derive(Debug, Clone)]
pub struct AssignedCase {
    conversation: ConversationId,
    staff: StaffId,
}

impl AssignedCase {
    pub fn conversation(&self) -> ConversationId {
        self.conversation
    }

    pub fn staff(&self) -> StaffId {
        self.staff
    }

    /// Checks that `who` holds `conversation` (supervisors act in any conversation held by
    /// someone); refused otherwise.
    pub async fn obtain(
        store: &dyn Store,
        who: &StaffPrincipal,
        conversation: ConversationId,
    ) -> StoreResult<Self> {
        if !who.role.may(Permission::HandleConversations) {
            return Err(StoreError::Forbidden);
        }
        let conv = store
            .conversation(conversation)
            .await?
            .ok_or(StoreError::NotFound)?;
        let holds = conv.operator == Some(who.id);
        let leads = who.role.may(Permission::ReadAllConversations) && conv.operator.is_some();
        if !(holds || leads) {
            return Err(StoreError::Forbidden);
        }
        // A closed chat can still be finished (report saved, qualified, closed): the store
        // refuses messages in it and edits of a report that has left the chat.
        Ok(Self {
            conversation,
            staff: who.id,
        })
    }
}

/// The caller may read this conversation's content: its holder, or a shift lead. The grant is
/// audited.
#[derive(Debug, Clone)]
pub struct CaseReader {
    conversation: ConversationId,
}

impl CaseReader {
    pub fn conversation(&self) -> ConversationId {
        self.conversation
    }

    pub async fn obtain(
        store: &dyn Store,
        who: &StaffPrincipal,
        conversation: ConversationId,
        purpose: &'static str,
        at: Timestamp,
    ) -> StoreResult<Self> {
        let conv = store
            .conversation(conversation)
            .await?
            .ok_or(StoreError::NotFound)?;
        let holds = who.role.may(Permission::HandleConversations) && conv.operator == Some(who.id);
        if !(holds || who.role.may(Permission::ReadAllConversations)) {
            return Err(StoreError::Forbidden);
        }
        store
            .audit(NewAudit {
                actor: Some(who.id),
                action: "read_conversation",
                target: format!("conversation:{conversation}"),
                purpose,
                at,
            })
            .await?;
        Ok(Self { conversation })
    }
}

/// An analyst may read this report: it left the chat qualified and belongs to one of their
/// départements. The grant is audited.
#[derive(Debug, Clone)]
pub struct RoutedReport {
    report: Report,
}

impl RoutedReport {
    pub fn report(&self) -> &Report {
        &self.report
    }

    pub fn into_report(self) -> Report {
        self.report
    }

    pub async fn obtain(
        store: &dyn Store,
        who: &StaffPrincipal,
        report: ReportId,
        purpose: &'static str,
        at: Timestamp,
    ) -> StoreResult<Self> {
        if !who.role.may(Permission::ReadRoutedReports) {
            return Err(StoreError::Forbidden);
        }
        let found = store.report(report).await?.ok_or(StoreError::NotFound)?;
        let routed = found.qualified_at.is_some()
            && found
                .departement
                .as_ref()
                .is_some_and(|d| who.departements.contains(d));
        if !routed {
            // Same answer as a missing report: an analyst learns nothing about other départements.
            return Err(StoreError::NotFound);
        }
        store
            .audit(NewAudit {
                actor: Some(who.id),
                action: "read_report",
                target: format!("report:{report}"),
                purpose,
                at,
            })
            .await?;
        Ok(Self { report: found })
    }
}

/// An investigator may read this dossier: it was disseminated to their unit. The grant is
/// audited.
#[derive(Debug, Clone)]
pub struct UnitDossier {
    dissemination: Dissemination,
}

impl UnitDossier {
    pub fn dissemination(&self) -> &Dissemination {
        &self.dissemination
    }

    pub fn into_dissemination(self) -> Dissemination {
        self.dissemination
    }

    pub async fn obtain(
        store: &dyn Store,
        who: &StaffPrincipal,
        id: vigie_domain::DisseminationId,
        purpose: &'static str,
        at: Timestamp,
    ) -> StoreResult<Self> {
        if !who.role.may(Permission::ReadDisseminated) {
            return Err(StoreError::Forbidden);
        }
        let unit = store.unit_of(who.id).await?;
        let found = store.dissemination(id).await?.ok_or(StoreError::NotFound)?;
        if unit != Some(found.unit) {
            // Same answer as a missing dossier: a unit learns nothing about another's.
            return Err(StoreError::NotFound);
        }
        store
            .audit(NewAudit {
                actor: Some(who.id),
                action: "read_dossier",
                target: format!("report:{}", found.report),
                purpose,
                at,
            })
            .await?;
        Ok(Self {
            dissemination: found,
        })
    }
}
