//! Translations: every user-facing string comes from `locales/{fr,en}.ftl` (Fluent).
//!
//! `Lang` picks the language of a request: `?lang=` first, then the staff language cookie, then
//! `Accept-Language`, then French.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::Arc;
use vigie_domain::Locale;

const FR: &str = include_str!("../locales/fr.ftl");
const EN: &str = include_str!("../locales/en.ftl");

pub struct I18n {
    fr: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(locale: &str, source: &str) -> Result<FluentBundle<FluentResource>, String> {
    let lang: unic_langid::LanguageIdentifier = locale.parse().map_err(|e| format!("{e:?}"))?;
    let resource = FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| format!("{errors:?}"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    bundle.set_use_isolating(false);
    bundle.add_resource(resource).map_err(|errors| format!("{errors:?}"))?;
    Ok(bundle)
}

impl I18n {
    pub fn load() -> Result<Self, String> {
        Ok(Self { fr: bundle("fr", FR)?, en: bundle("en", EN)? })
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
        bundle.format_pattern(pattern, args, &mut errors).into_owned()
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
        if let Some(l) = crate::auth::cookie(&parts.headers, LANG_COOKIE).and_then(|v| Locale::parse(&v)) {
            return l;
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
