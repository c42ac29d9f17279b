//! The intelligence cell's API on a routed report: grading, checks, conclusion. Each call
//! obtains the `RoutedReport` capability (an analyst of the report's département; audited).

use crate::auth::Analyst;
use crate::error::AppError;
use crate::{ApiJson, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vigie_domain::clock::rfc3339;
use vigie_domain::report::{CheckKind, Conclusion, Grading};
use vigie_domain::{ReasonText, ReportId};
use vigie_store::{Report, RoutedReport};

async fn routed(state: &AppState, analyst: &Analyst, id: &str) -> Result<RoutedReport, AppError> {
    let id: ReportId = id.parse().map_err(|_| AppError::NotFound)?;
    Ok(RoutedReport::obtain(
        state.store.as_ref(),
        &analyst.0.principal,
        id,
        "analysis",
        state.clock.now(),
    )
    .await?)
}

/// The cell's side of a report: grading, assessment, review date, checks.
pub async fn analysis_view(state: &AppState, report: &Report) -> Result<Value, AppError> {
    let checks: Vec<Value> = state
        .store
        .checks(report.id)
        .await?
        .into_iter()
        .map(|c| json!({ "id": c.id, "kind": c.kind, "result": c.result, "by": c.by, "at": rfc3339(c.at) }))
        .collect();
    Ok(json!({
        "grading": report.grading.map(|g| json!({
            "source": g.source, "credibility": g.credibility, "handling": g.handling, "code": g.code(),
        })),
        "assessment": report.assessment,
        "review_on": report.review_on.map(|d| d.to_string()),
        "checks": checks,
    }))
}

async fn answer(state: &AppState, report: Report) -> Result<Json<Value>, AppError> {
    let analysis = analysis_view(state, &report).await?;
    Ok(Json(
        json!({ "report": super::cases::report_view(state, report).await?, "analysis": analysis }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBody {
    source: String,
    credibility: String,
    handling: String,
    #[serde(default)]
    assessment: String,
}

pub fn parse_grading(source: &str, credibility: &str, handling: &str) -> Result<Grading, AppError> {
    Grading::parse(source, credibility, handling).map_err(|e| {
        let field = match e.code {
            "source-invalid" => "source",
            "credibility-invalid" => "credibility",
            _ => "handling",
        };
        let mut errors = vigie_domain::report::FieldErrors::default();
        errors.add(field, "choice-invalid");
        AppError::Fields(errors)
    })
}

pub fn parse_assessment(raw: &str) -> Result<Option<ReasonText>, AppError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    ReasonText::parse(raw).map(Some).map_err(AppError::from)
}

pub async fn grade(
    State(state): State<AppState>,
    analyst: Analyst,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GradeBody>,
) -> Result<Json<Value>, AppError> {
    let grading = parse_grading(&body.source, &body.credibility, &body.handling)?;
    let assessment = parse_assessment(&body.assessment)?;
    let report = routed(&state, &analyst, &id).await?;
    let graded = state
        .store
        .grade(
            &report,
            analyst.0.principal.id,
            grading,
            assessment,
            state.clock.now(),
        )
        .await?;
    answer(&state, graded).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    kind: String,
    result: String,
}

pub fn parse_check(kind: &str, result: &str) -> Result<(CheckKind, ReasonText), AppError> {
    let kind = CheckKind::parse(kind).ok_or(AppError::Invalid("check-kind-invalid"))?;
    let result = ReasonText::parse(result).map_err(|e| match e.code {
        "text-empty" => AppError::Invalid("check-result-required"),
        code => AppError::Invalid(code),
    })?;
    Ok((kind, result))
}

pub async fn check(
    State(state): State<AppState>,
    analyst: Analyst,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CheckBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (kind, result) = parse_check(&body.kind, &body.result)?;
    let report = routed(&state, &analyst, &id).await?;
    state
        .store
        .record_check(
            &report,
            analyst.0.principal.id,
            kind,
            result,
            state.clock.now(),
        )
        .await?;
    let fresh = state
        .store
        .report(report.report().id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, answer(&state, fresh).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConclusionBody {
    conclusion: String,
    #[serde(default)]
    review_on: String,
}

pub fn parse_conclusion(
    conclusion: &str,
    review_on: &str,
    today: time::Date,
) -> Result<Conclusion, AppError> {
    match conclusion {
        "corroborated" => Ok(Conclusion::Corroborated),
        "unconfirmed" => {
            let date = time::Date::parse(
                review_on.trim(),
                &time::format_description::well_known::Iso8601::DATE,
            )
            .map_err(|_| AppError::Invalid("review-date-invalid"))?;
            if date <= today {
                return Err(AppError::Invalid("review-date-past"));
            }
            Ok(Conclusion::Unconfirmed { review_on: date })
        }
        _ => Err(AppError::Invalid("conclusion-invalid")),
    }
}

pub async fn conclude(
    State(state): State<AppState>,
    analyst: Analyst,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConclusionBody>,
) -> Result<Json<Value>, AppError> {
    let conclusion = parse_conclusion(&body.conclusion, &body.review_on, state.clock.now().date())?;
    let report = routed(&state, &analyst, &id).await?;
    let done = state
        .store
        .conclude(
            &report,
            analyst.0.principal.id,
            conclusion,
            state.clock.now(),
        )
        .await?;
    answer(&state, done).await
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn loose() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => any::<String>(),
            2 => "[ ]{0,1}(A|F|G|1|6|7|H0|H3|H4|other_reports|files|patrol|corroborated|unconfirmed|2030-01-01|1999-12-31|2024-02-30)[ ]{0,1}",
            1 => "\\PC{0,30}",
            1 => ("\\PC{1,4}", 200usize..500).prop_map(|(s, n)| s.repeat(n)),
        ]
    }

    proptest! {
        #[test]
        fn parse_grading_names_the_bad_field(s in loose(), c in loose(), h in loose()) {
            match parse_grading(&s, &c, &h) {
                Ok(g) => prop_assert_eq!(Grading::parse(&s, &c, &h).ok(), Some(g)),
                Err(AppError::Fields(errors)) => {
                    prop_assert_eq!(errors.0.len(), 1);
                    let (field, code) = errors.0.iter().next().unwrap();
                    prop_assert_eq!(*code, "choice-invalid");
                    let expected = match Grading::parse(&s, &c, &h).unwrap_err().code {
                        "source-invalid" => "source",
                        "credibility-invalid" => "credibility",
                        _ => "handling",
                    };
                    prop_assert_eq!(*field, expected);
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }

        #[test]
        fn parse_assessment_and_check_follow_the_reason_rules(kind in loose(), text in loose()) {
            match parse_assessment(&text) {
                Ok(None) => prop_assert!(text.trim().is_empty()),
                Ok(Some(r)) => prop_assert_eq!(Some(r), ReasonText::parse(&text).ok()),
                Err(_) => prop_assert!(ReasonText::parse(&text).is_err()),
            }
            match parse_check(&kind, &text) {
                Ok((k, r)) => {
                    prop_assert_eq!(k.as_str(), kind.trim());
                    prop_assert!(r.as_str().chars().count() <= 1000);
                }
                Err(AppError::Invalid(code)) => prop_assert!(matches!(
                    code,
                    "check-kind-invalid" | "check-result-required" | "text-too-long" | "text-control-chars"
                )),
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }

        #[test]
        fn a_review_date_is_always_in_the_future(
            conclusion in loose(), review in loose(), days in 2_300_000i32..2_600_000, ahead in -400i64..400,
        ) {
            let today = time::Date::from_julian_day(days).unwrap();
            let date = today.checked_add(time::Duration::days(ahead)).map(|d| d.to_string());
            for review in [review, date.unwrap_or_default()] {
                match parse_conclusion(&conclusion, &review, today) {
                    Ok(Conclusion::Corroborated) => prop_assert_eq!(conclusion.as_str(), "corroborated"),
                    Ok(Conclusion::Unconfirmed { review_on }) => {
                        prop_assert_eq!(conclusion.as_str(), "unconfirmed");
                        prop_assert!(review_on > today);
                    }
                    Err(AppError::Invalid(code)) => prop_assert!(matches!(
                        code,
                        "conclusion-invalid" | "review-date-invalid" | "review-date-past"
                    )),
                    Err(other) => prop_assert!(false, "unexpected {:?}", other),
                }
            }
        }
    }
}
