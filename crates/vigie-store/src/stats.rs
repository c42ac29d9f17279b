//! Statistics shared by every backend: the stages a report goes through, as the audit log
//! records them, and the median time between them. Pure functions of rows.

use std::collections::HashMap;
use vigie_domain::Timestamp;

/// The stages of a report's life, each with the audit action that marks it; a stage's duration
/// runs from the previous stage (the first from the report's creation).
pub const STAGES: [(&str, &[&str]); 6] = [
    ("qualified", &["qualify_report"]),
    ("graded", &["grade_report"]),
    (
        "concluded",
        &["conclude_corroborated", "conclude_unconfirmed"],
    ),
    ("disseminated", &["disseminate"]),
    ("acknowledged", &["acknowledge"]),
    ("outcome", &["record_outcome"]),
];

/// The audit actions the stages need, for the backend's query.
pub fn stage_actions() -> Vec<&'static str> {
    STAGES.iter().flat_map(|(_, a)| a.iter().copied()).collect()
}

fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        values[mid - 1] + (values[mid] - values[mid - 1]) / 2
    } else {
        values[mid]
    })
}

/// From each report's creation time and the first time each audit action happened to it,
/// the count and median duration of every stage.
pub fn stage_times(
    created: &HashMap<String, Timestamp>,
    firsts: &[(String, String, Timestamp)],
) -> Vec<(String, u64, Option<i64>)> {
    let mut reached: HashMap<&str, HashMap<&str, i64>> = HashMap::new();
    for (report, action, at) in firsts {
        if let Some((stage, _)) = STAGES.iter().find(|(_, a)| a.contains(&action.as_str())) {
            let ms = vigie_domain::clock::to_millis(*at);
            let slot = reached.entry(report.as_str()).or_default();
            let e = slot.entry(stage).or_insert(ms);
            *e = (*e).min(ms);
        }
    }
    STAGES
        .iter()
        .enumerate()
        .map(|(i, (stage, _))| {
            let mut durations = Vec::new();
            for (report, stages) in &reached {
                let Some(end) = stages.get(stage) else {
                    continue;
                };
                let start = if i == 0 {
                    created
                        .get(*report)
                        .map(|t| vigie_domain::clock::to_millis(*t))
                } else {
                    stages.get(STAGES[i - 1].0).copied()
                };
                if let Some(start) = start {
                    durations.push((end - start).max(0));
                }
            }
            let count = reached.values().filter(|s| s.contains_key(stage)).count() as u64;
            ((*stage).to_owned(), count, median(durations))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_domain::clock::from_millis;

    #[test]
    fn stages_are_timed_from_the_previous_one() {
        let created = HashMap::from([("report:a".to_owned(), from_millis(0))]);
        let firsts = vec![
            (
                "report:a".to_owned(),
                "qualify_report".to_owned(),
                from_millis(600_000),
            ),
            (
                "report:a".to_owned(),
                "grade_report".to_owned(),
                from_millis(900_000),
            ),
            (
                "report:a".to_owned(),
                "conclude_unconfirmed".to_owned(),
                from_millis(1_000_000),
            ),
        ];
        let stages = stage_times(&created, &firsts);
        assert_eq!(stages[0], ("qualified".to_owned(), 1, Some(600_000)));
        assert_eq!(stages[1], ("graded".to_owned(), 1, Some(300_000)));
        assert_eq!(stages[2], ("concluded".to_owned(), 1, Some(100_000)));
        assert_eq!(stages[3], ("disseminated".to_owned(), 0, None));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
    }
}
