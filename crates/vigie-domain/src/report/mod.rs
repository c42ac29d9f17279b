//! The structured report: its life (an explicit state machine) and its fields.

mod fields;
mod grading;
pub mod matching;
mod state;

pub use fields::{
    Activity, FieldErrors, Frequency, Knowledge, PersonRole, Product, ReportFields, ReportInput,
    Vehicle, VehicleInput, Weekday, FIELD_NAMES,
};
pub use grading::{CheckKind, Conclusion, Credibility, Grading, HandlingCode, SourceReliability};
pub use state::{ReportState, TransitionError};
