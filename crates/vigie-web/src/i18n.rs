//! Translations: every user-facing string comes from `locales/{fr,en}.ftl` (Fluent).
//!
//! `Lang` picks the language of a request: `?lang=` first, then the staff language cookie, then
//! (for the API only) `Accept-Language`, then French.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::Arc;
use vigie_domain::Locale;

// One file per area of the product, joined into one resource per language.
const FR: &str = concat!(
    include_str!("../locales/fr.ftl"),
    "\n",
    include_str!("../locales/fr-admin.ftl"),
    "\n",
    include_str!("../locales/fr-dossiers.ftl"),
    "\n",
    include_str!("../locales/fr-chain.ftl"),
    "\n",
    include_str!("../locales/fr-accounts.ftl"),
    "\n",
    include_str!("../locales/fr-security.ftl"),
    "\n",
    include_str!("../locales/fr-photos.ftl"),
    "\n",
    include_str!("../locales/fr-dispatch.ftl"),
    "\n",
    include_str!("../locales/fr-comfort.ftl"),
    "\n",
    include_str!("../locales/fr-roster.ftl"),
);
const EN: &str = concat!(
    include_str!("../locales/en.ftl"),
    "\n",
    include_str!("../locales/en-admin.ftl"),
    "\n",
    include_str!("../locales/en-dossiers.ftl"),
    "\n",
    include_str!("../locales/en-chain.ftl"),
    "\n",
    include_str!("../locales/en-accounts.ftl"),
    "\n",
    include_str!("../locales/en-security.ftl"),
    "\n",
    include_str!("../locales/en-photos.ftl"),
    "\n",
    include_str!("../locales/en-dispatch.ftl"),
    "\n",
    include_str!("../locales/en-comfort.ftl"),
    "\n",
    include_str!("../locales/en-roster.ftl"),
);

pub struct I18n {
    fr: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(locale: &str, source: &str) -> Result<FluentBundle<FluentResource>, String> {
    let lang: unic_langid::LanguageIdentifier = locale.parse().map_err(|e| format!("{e:?}"))?;
    let resource =
        FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| format!("{errors:?}"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| format!("{errors:?}"))?;
    Ok(bundle)
}

impl I18n {
    pub fn load() -> Result<Self, String> {
        Ok(Self {
            fr: bundle("fr", FR)?,
            en: bundle("en", EN)?,
        })
    }

    fn bundle(&self, locale: Locale) -> &FluentBundle<FluentResource> {
        match locale {
            Locale::Fr => &self.fr,
            Locale::En => &self.en,
        }
    }

    pub fn message(&self, locale: Locale, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle(locale);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, "missing translation");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    pub fn has(&self, locale: Locale, key: &str) -> bool {
        self.bundle(locale).has_message(key)
    }

    /// Every message id of a locale's file, for the completeness tests.
    pub fn keys(locale: Locale) -> Vec<String> {
        let source = match locale {
            Locale::Fr => FR,
            Locale::En => EN,
        };
        source
            .lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
            .collect()
    }
}

/// The translator handed to templates and error rendering: `t.get("key")`.
#[derive(Clone)]
pub struct Tr {
    pub locale: Locale,
    i18n: Arc<I18n>,
}

impl Tr {
    pub fn new(i18n: Arc<I18n>, locale: Locale) -> Self {
        Self { locale, i18n }
    }

    pub fn get(&self, key: &str) -> String {
        self.i18n.message(self.locale, key, None)
    }

    pub fn with(&self, key: &str, args: &[(&str, String)]) -> String {
        let mut fargs = FluentArgs::new();
        for (name, value) in args {
            fargs.set(*name, FluentValue::from(value.clone()));
        }
        self.i18n.message(self.locale, key, Some(&fargs))
    }

    /// The translation of an enum value, e.g. `activity-street_sale`.
    pub fn choice(&self, prefix: &str, value: &str) -> String {
        self.get(&format!("{prefix}-{value}"))
    }

    pub fn lang(&self) -> &'static str {
        self.locale.as_str()
    }

    /// The query suffix that keeps the language on links: "" in French, "?lang=en" in English.
    pub fn q(&self) -> &'static str {
        match self.locale {
            Locale::Fr => "",
            Locale::En => "?lang=en",
        }
    }

    /// The other language, for the switch link.
    pub fn other(&self) -> Locale {
        match self.locale {
            Locale::Fr => Locale::En,
            Locale::En => Locale::Fr,
        }
    }
}

pub const LANG_COOKIE: &str = "vigie_lang";

/// The language a request asks for.
#[derive(Debug, Clone, Copy)]
pub struct Lang(pub Locale);

impl Lang {
    pub fn from_parts(parts: &Parts) -> Locale {
        if let Some(q) = parts.uri.query() {
            for pair in q.split('&') {
                if let Some(v) = pair.strip_prefix("lang=") {
                    if let Some(l) = Locale::parse(v) {
                        return l;
                    }
                }
            }
        }
        if let Some(l) =
            crate::auth::cookie(&parts.headers, LANG_COOKIE).and_then(|v| Locale::parse(&v))
        {
            return l;
        }
        // Pages speak French unless English is asked for explicitly (the switch link); API
        // clients, the pages' own scripts included, say which language they want.
        if !parts.uri.path().starts_with("/api/") {
            return Locale::Fr;
        }
        parts
            .headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(Locale::parse)
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(Self::from_parts(parts)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn french_and_english_have_the_same_messages() {
        let mut fr = I18n::keys(Locale::Fr);
        let mut en = I18n::keys(Locale::En);
        fr.sort();
        en.sort();
        assert_eq!(fr, en);
        assert!(fr.len() > 150);
    }

    fn literal_keys(text: &str, call: &str, out: &mut Vec<String>) {
        for piece in text.split(call).skip(1) {
            if let Some(end) = piece.find('"') {
                let key = &piece[..end];
                if !key.contains('{') && !key.is_empty() {
                    out.push(key.to_owned());
                }
            }
        }
    }

    /// Every message a template or handler asks for by name exists in both languages.
    #[test]
    fn every_key_used_in_templates_and_code_is_translated() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut keys = Vec::new();
        let mut files = Vec::new();
        for dir in ["templates", "src", "src/pages", "src/staff", "src/witness"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                // This file holds the tests' own patterns, not keys.
                if path.is_file() && !path.ends_with("i18n.rs") {
                    files.push(path);
                }
            }
        }
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for call in ["get(\"", "with(\""] {
                literal_keys(&text, call, &mut keys);
            }
        }
        // Keys listed for scripts (string arrays in the page handlers).
        for handler in ["src/pages/witness.rs", "src/pages/staff.rs"] {
            let text = std::fs::read_to_string(root.join(handler)).unwrap();
            for line in text.lines().map(str::trim) {
                // A string ending in '-' is a prefix of keys (`script_strings`), not a key.
                if line.starts_with('"')
                    && line.ends_with("\",")
                    && !line.ends_with("-\",")
                    && !line.contains(' ')
                {
                    keys.push(line.trim_matches(|c| c == '"' || c == ',').to_owned());
                }
            }
        }
        let i18n = I18n::load().unwrap();
        let mut missing: Vec<String> = Vec::new();
        for key in keys {
            let key = if key.starts_with("error-") || key.contains('-') {
                key
            } else {
                continue;
            };
            for locale in Locale::ALL {
                if !i18n.has(locale, &key) {
                    missing.push(format!("{}:{key}", locale.as_str()));
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "missing translations: {missing:?}");
    }

    /// Every error code the web layer can produce has a message in both languages.
    #[test]
    fn every_error_code_has_a_message() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut codes = Vec::new();
        for file in [
            "src/error.rs",
            "src/witness/api.rs",
            "src/witness/ws.rs",
            "src/staff/cases.rs",
            "src/staff/directory.rs",
            "src/staff/ws.rs",
            "src/staff/offers.rs",
            "src/presence.rs",
            "src/pow.rs",
            "src/lib.rs",
        ] {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            for variant in ["BadRequest(\"", "Invalid(\"", "Conflict(\"", "Unknown(\""] {
                literal_keys(&text, variant, &mut codes);
            }
        }
        // Codes that come from domain parsers.
        codes.extend(
            [
                "text-empty",
                "text-too-long",
                "text-control-chars",
                "client-id-invalid",
                "unauthorized",
                "forbidden",
                "not-found",
                "too-many-attempts",
                "unavailable",
                "internal",
                "invalid-fields",
                "login-failed",
            ]
            .map(String::from),
        );
        let i18n = I18n::load().unwrap();
        for code in codes.iter().filter(|c| *c != "closed") {
            for locale in Locale::ALL {
                assert!(
                    i18n.has(locale, &format!("error-{code}")),
                    "{}: error-{code}",
                    locale.as_str()
                );
            }
        }
        for code in [
            "required",
            "choice-invalid",
            "commune-unknown",
            "text-too-long",
            "text-control-chars",
            "hour-invalid",
            "number-out-of-range",
            "number-invalid",
            "plate-invalid",
            "too-many-vehicles",
            "sources-invalid",
        ] {
            for locale in Locale::ALL {
                assert!(
                    i18n.has(locale, &format!("field-error-{code}")),
                    "field-error-{code}"
                );
            }
        }
    }

    #[test]
    fn every_choice_and_state_is_translated() {
        use vigie_domain::report::{Activity, Frequency, Knowledge, PersonRole, Product, Weekday};
        let i18n = I18n::load().unwrap();
        let mut keys: Vec<String> = Vec::new();
        keys.extend(
            Activity::ALL
                .iter()
                .map(|v| format!("activity-{}", v.as_str())),
        );
        keys.extend(
            Weekday::ALL
                .iter()
                .map(|v| format!("weekday-{}", v.as_str())),
        );
        keys.extend(
            Frequency::ALL
                .iter()
                .map(|v| format!("frequency-{}", v.as_str())),
        );
        keys.extend(
            PersonRole::ALL
                .iter()
                .map(|v| format!("person-{}", v.as_str())),
        );
        keys.extend(
            Product::ALL
                .iter()
                .map(|v| format!("product-{}", v.as_str())),
        );
        keys.extend(
            Knowledge::ALL
                .iter()
                .map(|v| format!("knowledge-{}", v.as_str())),
        );
        keys.extend(
            vigie_domain::CloseOutcome::ALL
                .iter()
                .map(|v| format!("outcome-{}", v.as_str())),
        );
        keys.extend(
            vigie_domain::ReportState::ALL
                .iter()
                .map(|v| format!("state-{}", v.as_str())),
        );
        keys.extend(
            vigie_domain::Role::ALL
                .iter()
                .map(|v| format!("role-{}", v.as_str())),
        );
        for key in keys {
            for locale in Locale::ALL {
                assert!(i18n.has(locale, &key), "{}: {key}", locale.as_str());
            }
        }
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn request(path: &str, query: &str, cookie: &[u8], accept: &[u8]) -> Option<Parts> {
        let uri = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        let mut req = axum::http::Request::builder().uri(uri.parse::<axum::http::Uri>().ok()?);
        if let Ok(v) = axum::http::HeaderValue::from_bytes(cookie) {
            req = req.header(axum::http::header::COOKIE, v);
        }
        if let Ok(v) = axum::http::HeaderValue::from_bytes(accept) {
            req = req.header(axum::http::header::ACCEPT_LANGUAGE, v);
        }
        Some(req.body(()).ok()?.into_parts().0)
    }

    fn header() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..60),
            "(vigie_lang=(en|fr|de|)|a=b|; |  )*".prop_map(String::into_bytes),
            "((en|fr|de)(-[A-Z]{2})?(;q=0\\.[0-9])?,? ?){0,3}".prop_map(String::into_bytes),
        ]
    }

    proptest! {
        #[test]
        fn any_request_gets_a_language_without_panic(
            query in "[a-z=&%;0-9A-Z+._-]{0,40}", cookie in header(), accept in header(), api in any::<bool>(),
        ) {
            let path = if api { "/api/v1/x" } else { "/" };
            if let Some(parts) = request(path, &query, &cookie, &accept) {
                let _ = Lang::from_parts(&parts);
            }
        }

        /// `?lang=` wins over the cookie and the header; then the cookie; pages ignore the header.
        #[test]
        fn the_query_then_the_cookie_decide(
            q in proptest::option::of(prop_oneof![Just("en"), Just("fr"), Just("xx")]),
            c in proptest::option::of(prop_oneof![Just("en"), Just("fr"), Just("xx")]),
            accept in prop_oneof![Just("en-GB,fr;q=0.5"), Just("fr"), Just("de"), Just("")],
            api in any::<bool>(),
        ) {
            let query = q.map(|l| format!("x=1&lang={l}")).unwrap_or_default();
            let cookie = c.map(|l| format!("a=b; {LANG_COOKIE}={l}")).unwrap_or_default();
            let path = if api { "/api/v1/x" } else { "/staff" };
            let parts = request(path, &query, cookie.as_bytes(), accept.as_bytes()).unwrap();
            let want = q.and_then(Locale::parse)
                .or_else(|| c.and_then(Locale::parse))
                .unwrap_or(if api { Locale::parse(accept.split(',').next().unwrap_or("")).unwrap_or_default() } else { Locale::Fr });
            prop_assert_eq!(Lang::from_parts(&parts), want);
        }
    }
}
