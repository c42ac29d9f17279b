//! The witness page: the warnings first, then the chat, on a single URL so the history shows
//! little. No cookie is set; with JavaScript the token lives only in the page's memory.
//!
//! Without JavaScript (Tor Browser at its "safest" level) the same page is a set of plain forms
//! that all post to `/`: `action` says what to do (start, resume, send, refresh, end,
//! end_confirmed), and the token travels in a hidden field of the form, never in a URL. Each answer
//! is the whole page drawn for that conversation; the message form carries a client id drawn here,
//! so a form sent twice (a reload that re-posts it) writes the message once. The script enhances
//! the same forms: it intercepts them and talks to the JSON API and the WebSocket instead.

use super::{render, script_strings};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::limits::ClientAddress;
use crate::witness::{api, Witness};
use crate::{pow, AppState};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use rand::RngCore;
use serde::Deserialize;
use vigie_domain::{Author, ConversationState, EventKind, Locale};
use vigie_store::{Conversation, Event};

/// The longest message, for the counter under the text box.
const MAX_CHARS: usize = vigie_domain::message::MAX_TEXT_CHARS;
/// Says where a request comes from (the browser sets it; a page cannot).
const SEC_FETCH_SITE: &str = "sec-fetch-site";
/// Events read per store call while drawing the thread.
const PAGE: u32 = 500;

#[derive(Template)]
#[template(path = "witness.html")]
struct WitnessPage {
    t: Tr,
    strings: String,
    /// Set when the page is drawn for a conversation (the no-script flow).
    chat: Option<ChatView>,
    start_error: Option<String>,
    resume_error: Option<String>,
    /// What the witness typed in the receipt field, given back with the error.
    receipt_input: String,
    /// The start form's wait ticket (the proof of work's equivalent without JavaScript).
    ticket: String,
    /// The largest photo accepted, for the photo control's own check (`witness_photo.html`).
    photo_max_bytes: usize,
}

/// One conversation, drawn by the server.
struct ChatView {
    /// The live token, in hidden fields; empty once the witness has ended the conversation.
    token: String,
    /// A fresh id for the next message: the same form posted twice is one message.
    client_id: String,
    lines: Vec<Line>,
    status: String,
    /// While waiting: position in the queue, estimated wait, or "nobody on duty: leave your
    /// information now".
    queue_info: Vec<String>,
    /// The witness may write (open conversation, or a follow-up question to answer).
    can_write: bool,
    /// The conversation is over for the witness (no "end" button any more).
    ended: bool,
    /// The receipt code, shown once: on the page that answers "start".
    receipt: Option<String>,
    /// What the witness typed and has not sent yet (kept across a refresh or a refusal).
    draft: String,
    chars_left: usize,
    send_error: Option<String>,
    /// "End" was pressed: ask before ending.
    confirm_end: bool,
}

struct Line {
    seq: u64,
    class: &'static str,
    who: String,
    body: String,
}

const SCRIPT_KEYS: &[&str] = &[
    "status-waiting",
    "status-active",
    "status-closed",
    "status-question",
    "status-reconnecting",
    "status-connected",
    "author-witness",
    "author-officer",
    "author-system",
    "event-officer-joined",
    "event-closed-witness",
    "event-closed-system",
    "sending",
    "sent",
    "end-confirm",
    "proof-working",
    "proof-working-progress",
    "photo-hint",
    "photo-sending",
    "photo-sent-status",
    "photo-in-thread",
    "photo-retrying",
    "photo-size-mib",
    "photo-size-kib",
    "comfort-officer-typing",
    "comfort-seen",
    "comfort-seen-by-officer",
    "queue-position-next",
    "queue-position",
    "queue-estimate",
    "queue-no-officer",
    "queue-long",
];

fn intro(state: &AppState, t: Tr) -> WitnessPage {
    let strings = script_strings(&t, SCRIPT_KEYS, &["error-"]);
    let ticket = state.with_rng(|rng| {
        pow::issue(
            &state.secret,
            &state.settings.pow,
            pow::Kind::Wait,
            state.clock.now(),
            rng,
        )
    });
    WitnessPage {
        t,
        strings,
        chat: None,
        start_error: None,
        resume_error: None,
        receipt_input: String::new(),
        ticket: ticket.token,
        photo_max_bytes: state.settings.photo_max_bytes,
    }
}

pub async fn page(
    State(state): State<AppState>,
    Lang(locale): Lang,
) -> Result<Html<String>, AppError> {
    render(&intro(&state, state.tr(locale)))
}

/// The fields of every witness form; each action reads the ones it needs.
#[derive(Deserialize, Default)]
pub struct WitnessForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    receipt_code: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    priority: String,
}

type PageResponse = Result<(StatusCode, Html<String>), AppError>;

/// The no-script flow: every form of the page posts here.
pub async fn form(
    State(state): State<AppState>,
    Lang(locale): Lang,
    client: ClientAddress,
    headers: HeaderMap,
    form: Result<Form<WitnessForm>, FormRejection>,
) -> PageResponse {
    // Another site's page cannot make a visitor's browser open conversations or post in one.
    // (`Origin` is `null` under `Referrer-Policy: no-referrer`; `Sec-Fetch-Site` is not.)
    if headers
        .get(SEC_FETCH_SITE)
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(AppError::Forbidden);
    }
    let t = state.tr(locale);
    let Ok(Form(form)) = form else {
        return refused_intro(&state, t, StatusCode::BAD_REQUEST, "nojs-form-invalid");
    };
    match form.action.as_str() {
        "start" => start(&state, t, locale, &client, &form.ticket, &form.priority).await,
        "resume" => resume(&state, t, &form.receipt_code).await,
        "send" | "refresh" | "end" | "end_confirmed" => {
            let witness = match Witness::from_token(&state, form.token.trim()).await {
                Ok(w) => w,
                // Replaced by a resume elsewhere, ended, or never valid: back to the start, where
                // the receipt code opens the conversation again.
                Err(AppError::Unauthorized) => {
                    return refused_intro(&state, t, StatusCode::UNAUTHORIZED, "nojs-token-gone")
                }
                Err(e) => return Err(e),
            };
            let token = form.token.trim().to_owned();
            match form.action.as_str() {
                "send" => send(&state, t, witness, token, &form).await,
                "refresh" => {
                    let mut view = chat(&state, &t, &witness.conversation, token).await?;
                    view.keep_draft(&form.body);
                    show(&state, t, view, StatusCode::OK)
                }
                "end" => {
                    let mut view = chat(&state, &t, &witness.conversation, token).await?;
                    view.keep_draft(&form.body);
                    view.confirm_end = !view.ended;
                    show(&state, t, view, StatusCode::OK)
                }
                _ => end(&state, t, witness).await,
            }
        }
        _ => refused_intro(&state, t, StatusCode::BAD_REQUEST, "nojs-form-invalid"),
    }
}

fn show(state: &AppState, t: Tr, view: ChatView, status: StatusCode) -> PageResponse {
    let mut page = intro(state, t);
    page.chat = Some(view);
    Ok((status, render(&page)?))
}

fn refused_intro(state: &AppState, t: Tr, status: StatusCode, key: &str) -> PageResponse {
    let mut page = intro(state, t);
    page.start_error = Some(page.t.get(key));
    Ok((status, render(&page)?))
}

impl ChatView {
    fn keep_draft(&mut self, body: &str) {
        self.draft = body.to_owned();
        self.chars_left = MAX_CHARS.saturating_sub(body.chars().count());
    }
}

/// Opens a conversation in the page's language, through the API's own core and limits, once
/// the page's wait ticket has matured. A ticket already used (the browser re-posting the start
/// form on Back) opens nothing: the page says so, and shows no conversation.
async fn start(
    state: &AppState,
    t: Tr,
    locale: Locale,
    client: &ClientAddress,
    ticket: &str,
    priority: &str,
) -> PageResponse {
    let Ok(level) = api::witness_priority(Some(priority)) else {
        return refused_intro(state, t, StatusCode::BAD_REQUEST, "nojs-form-invalid");
    };
    let proof = api::Proof::Wait {
        ticket: ticket.trim(),
    };
    let opened = match api::open(state, client, locale, proof).await {
        Ok(opened) => opened,
        Err(e @ (AppError::RateLimited(_) | AppError::Busy(_))) => {
            let key = format!("error-{}", e.code());
            return refused_intro(state, t, e.status(), &key);
        }
        Err(AppError::TooEarly(seconds)) => {
            // Keep the same ticket: the wait counts from when the page was first shown.
            let mut page = intro(state, t);
            page.ticket = ticket.trim().to_owned();
            let text = page
                .t
                .with("proof-wait", &[("seconds", seconds.to_string())]);
            page.start_error = Some(text);
            return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)?));
        }
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            let key = match e.code() {
                "proof-spent" => "proof-spent",
                "proof-expired" => "proof-expired",
                _ => "nojs-form-invalid",
            };
            return refused_intro(state, t, e.status(), key);
        }
        Err(e) => return Err(e),
    };
    api::declare_priority(state, opened.id, level).await?;
    let conversation = Witness::from_token(state, &opened.token)
        .await?
        .conversation;
    let mut view = chat(state, &t, &conversation, opened.token).await?;
    view.receipt = Some(opened.receipt.grouped());
    show(state, t, view, StatusCode::CREATED)
}

/// Opens the conversation of a receipt code with a new token, through the API's own core.
async fn resume(state: &AppState, t: Tr, raw: &str) -> PageResponse {
    match api::reopen(state, raw).await {
        Ok((_, token)) => {
            let conversation = Witness::from_token(state, &token).await?.conversation;
            let view = chat(state, &t, &conversation, token).await?;
            show(state, t, view, StatusCode::OK)
        }
        Err(AppError::Unknown(_)) => {
            let mut page = intro(state, t);
            page.resume_error = Some(page.t.get("error-receipt-unknown"));
            page.receipt_input = raw.chars().take(24).collect();
            Ok((StatusCode::NOT_FOUND, render(&page)?))
        }
        Err(e) => Err(e),
    }
}

/// Appends the witness's message through the API's own core (blocked conversation, message
/// limit, idempotent client id).
async fn send(
    state: &AppState,
    t: Tr,
    witness: Witness,
    token: String,
    form: &WitnessForm,
) -> PageResponse {
    match api::append(state, &witness, &form.client_id, &form.body).await {
        Ok(_) => {
            // Read again: the message may have answered a follow-up question.
            let conversation = conversation_now(state, &witness).await?;
            let view = chat(state, &t, &conversation, token).await?;
            show(state, t, view, StatusCode::OK)
        }
        Err(
            e @ (AppError::Invalid(_)
            | AppError::Conflict(_)
            | AppError::Locked(_)
            | AppError::RateLimited(_)),
        ) => {
            let mut view = chat(state, &t, &witness.conversation, token).await?;
            view.keep_draft(&form.body);
            view.send_error = Some(t.get(&format!("error-{}", e.code())));
            show(state, t, view, e.status())
        }
        Err(e) => Err(e),
    }
}

/// Ends the conversation through the API's own core; the thread stays on the page.
async fn end(state: &AppState, t: Tr, witness: Witness) -> PageResponse {
    let id = witness.conversation.id;
    api::end(state, id).await?;
    let conversation = state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The token no longer works: the page carries none.
    let mut view = chat(state, &t, &conversation, String::new()).await?;
    view.can_write = false;
    view.ended = true;
    show(state, t, view, StatusCode::OK)
}

/// The conversation as the store has it now (the witness's copy was read before the change).
async fn conversation_now(state: &AppState, witness: &Witness) -> Result<Conversation, AppError> {
    Ok(state
        .store
        .conversation(witness.conversation.id)
        .await?
        .unwrap_or_else(|| witness.conversation.clone()))
}

/// The whole thread as the witness sees it, and what they may do next.
async fn chat(
    state: &AppState,
    t: &Tr,
    conversation: &Conversation,
    token: String,
) -> Result<ChatView, AppError> {
    let mut events: Vec<Event> = Vec::new();
    loop {
        let after = events.last().map_or(0, |e| e.seq);
        let page = state
            .store
            .events_after(conversation.id, after, PAGE)
            .await?;
        let full = page.len() == PAGE as usize;
        events.extend(page);
        if !full {
            break;
        }
    }
    // The same reading of the thread as the script's: after the end, a message from the police
    // is a question the witness may answer once.
    let mut closed_at = 0;
    let mut ended = false;
    let mut lines = Vec::with_capacity(events.len());
    for e in &events {
        let (class, who, body) = match (e.kind, e.author) {
            (EventKind::Message, author) => (
                author.as_str(),
                t.get(&format!("author-{}", author.as_str())),
                match e.photo {
                    Some(_) => t.get("photo-in-thread"),
                    None => e.body.clone().unwrap_or_default(),
                },
            ),
            (EventKind::OfficerJoined, _) => (
                "system",
                t.get("author-system"),
                t.get("event-officer-joined"),
            ),
            (EventKind::Closed, Author::Witness) => (
                "system",
                t.get("author-system"),
                t.get("event-closed-witness"),
            ),
            (EventKind::Closed, _) => (
                "system",
                t.get("author-system"),
                t.get("event-closed-system"),
            ),
        };
        match (e.kind, e.author) {
            (EventKind::Closed, _) => {
                closed_at = e.seq;
                ended = true;
            }
            (EventKind::Message, Author::Officer) if closed_at > 0 => ended = false,
            (EventKind::Message, Author::Witness) if closed_at > 0 => ended = true,
            _ => {}
        }
        lines.push(Line {
            seq: e.seq,
            class,
            who,
            body,
        });
    }
    let question = closed_at > 0 && !ended;
    let ended = ended || (conversation.state == ConversationState::Closed && !question);
    let status = if question {
        t.get("status-question")
    } else if ended {
        t.get("status-closed")
    } else if conversation.state == ConversationState::Active {
        t.get("status-active")
    } else {
        t.get("status-waiting")
    };
    let queue_info = if !ended && conversation.state == ConversationState::Waiting {
        crate::presence::queue_status(state, conversation.id)
            .await?
            .map(|s| crate::presence::queue_lines(t, &s))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let client_id = state.with_rng(|rng| {
        let mut bytes = [0u8; 12];
        rng.fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("n-{hex}")
    });
    Ok(ChatView {
        can_write: !ended && !token.is_empty(),
        token,
        client_id,
        lines,
        status,
        queue_info,
        ended,
        receipt: None,
        draft: String::new(),
        chars_left: MAX_CHARS,
        send_error: None,
        confirm_end: false,
    })
}

#[cfg(test)]
mod proptests {
    use super::*;
    use axum::extract::FromRequest;
    use proptest::prelude::*;

    /// Decodes a body as the no-script route does (axum's `Form`), on a small runtime.
    fn decode(body: Vec<u8>, content_type: &str) -> Result<WitnessForm, FormRejection> {
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/")
            .header(axum::http::header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(Form::<WitnessForm>::from_request(req, &()))
            .map(|Form(f)| f)
    }

    fn view() -> ChatView {
        ChatView {
            token: String::new(),
            client_id: String::new(),
            lines: Vec::new(),
            status: String::new(),
            queue_info: Vec::new(),
            can_write: true,
            ended: false,
            receipt: None,
            draft: String::new(),
            chars_left: MAX_CHARS,
            send_error: None,
            confirm_end: false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Any body, any content type: a form or a refusal, never a panic.
        #[test]
        fn any_body_decodes_or_is_refused(
            body in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..300),
                "((action|token|client_id|body|receipt_code|x)=[a-zA-Z0-9%+=.-]{0,20}&?){0,6}".prop_map(String::into_bytes),
            ],
            content_type in prop_oneof![Just("application/x-www-form-urlencoded"), Just("text/plain"), Just("multipart/form-data")],
        ) {
            let _ = decode(body, content_type);
        }

        /// Whatever the witness types, the fields arrive as typed, unknown fields are ignored.
        #[test]
        fn encoded_fields_arrive_unchanged(
            action in any::<String>(), token in any::<String>(), client_id in any::<String>(),
            body in prop_oneof![any::<String>(), ("\\PC{1,4}", 500usize..1500).prop_map(|(s, n)| s.repeat(n))],
            receipt_code in any::<String>(), extra in "[a-z]{1,8}",
        ) {
            let encoded = form_urlencoded::Serializer::new(String::new())
                .append_pair("action", &action)
                .append_pair("token", &token)
                .append_pair("client_id", &client_id)
                .append_pair("body", &body)
                .append_pair("receipt_code", &receipt_code)
                .append_pair(&format!("zz_{extra}"), "x")
                .finish();
            let f = decode(encoded.into_bytes(), "application/x-www-form-urlencoded").unwrap();
            prop_assert_eq!(f.action, action);
            prop_assert_eq!(f.token, token);
            prop_assert_eq!(f.client_id, client_id);
            prop_assert_eq!(f.body, body);
            prop_assert_eq!(f.receipt_code, receipt_code);
        }

        /// A kept draft is given back whole, with a counter that never goes below zero.
        #[test]
        fn a_kept_draft_is_whole_and_its_counter_bounded(draft in prop_oneof![any::<String>(), ("\\PC{1,3}", 1000usize..3000).prop_map(|(s, n)| s.repeat(n))]) {
            let mut v = view();
            v.keep_draft(&draft);
            prop_assert_eq!(&v.draft, &draft);
            prop_assert_eq!(v.chars_left, MAX_CHARS.saturating_sub(draft.chars().count()));
            prop_assert!(v.chars_left <= MAX_CHARS);
        }
    }
}
