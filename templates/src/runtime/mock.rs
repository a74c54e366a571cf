//! A test double for code that uses a [`Client`] (feature `test-util`): calls are answered by
//! rules instead of a server, and every call is recorded.
//!
//! The double replaces only the network: a [`Client`] made by [`Mock::client`] builds each
//! request, applies its retry and redirect policies, reads the reply within its size limits,
//! maps error statuses to [`Error::Api`] and decodes the body exactly as it does against a
//! server. A rule names its operation by the generated marker type (`ops::GetUser`), whose
//! associated types are the operation's reply and body: a rule whose value does not fit the
//! operation does not compile.
//!
//! ```no_run
//! # async fn run() -> mattermost_client::Result<()> {
//! use mattermost_client::mock::Mock;
//! use mattermost_client::{models::User, ops, StatusCode};
//!
//! let mock = Mock::new();
//! let get_user = mock.on::<ops::GetUser>().reply(User { username: "alice".into(), ..User::default() });
//! mock.on::<ops::CreatePost>()
//!     .then_fail(StatusCode::TOO_MANY_REQUESTS, "api.rate_limit", "slow down")
//!     .then_reply_with(|call| Ok(mattermost_client::models::Post { message: call.body()?.message, ..Default::default() }));
//! let client = mock.client()?;
//! assert_eq!(client.get_user("u1").await?.username, "alice");
//! assert_eq!(get_user.calls(), 1);
//! assert_eq!(get_user.requests()[0].path_param("user_id").as_deref(), Some("u1"));
//! # Ok(())
//! # }
//! ```
//!
//! A value of another type than the operation's reply is a compile error:
//!
//! ```compile_fail,E0308
//! # use mattermost_client::{mock::Mock, models::Post, ops};
//! Mock::new().on::<ops::GetUser>().reply(Post::default()); // `get_user` returns a `User`
//! ```
//!
//! Rules are tried in the order they were added; the first whose operation and condition
//! ([`Rule::matching`]) fit the call, and that still has an answer, answers it. A call no rule
//! answers fails with [`Error::Mock`] naming the operation and why (no rule for it, its rules'
//! answers ran out, or their conditions did not fit). [`Mock::in_order`] makes the rules a
//! script that calls must follow one after the other.

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use reqwest::StatusCode;

use super::client::Client;
use super::error::{Error, Result};
pub use super::mock_operation::{DecodeBody, Empty, EncodeReply, Form, HttpReply, Json, Operation, Raw, Text};
pub use super::mock_request::{MockRequest, Recorded};

/// The base URL of a client made by [`Mock::client`].
pub const MOCK_BASE_URL: &str = "http://mattermost.test/";

/// The token of a client made by [`Mock::client`].
pub const MOCK_TOKEN: &str = "mock-token";

type Condition = Arc<dyn Fn(&MockRequest) -> bool + Send + Sync>;
type Responder = Arc<dyn Fn(&MockRequest) -> HttpReply + Send + Sync>;

/// What a rule answers.
#[derive(Clone)]
enum Answer {
    Fixed(HttpReply),
    Computed(Responder),
}

/// One rule: the operation it answers, its condition and its answers.
struct RuleState {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    condition: Option<Condition>,
    /// Answers given once each, in order.
    once: VecDeque<Answer>,
    /// The answer given every time after them, if any.
    always: Option<Answer>,
    requests: Vec<MockRequest>,
}

impl RuleState {
    fn is_exhausted(&self) -> bool {
        self.once.is_empty() && self.always.is_none()
    }

    fn is_for(&self, request: &MockRequest) -> bool {
        is_for(self.name, self.method, self.path, request)
    }

    fn fits(&self, request: &MockRequest) -> bool {
        self.condition.as_ref().is_none_or(|condition| condition(request))
    }

    /// Takes the next answer.
    fn next(&mut self) -> Option<Answer> {
        self.once.pop_front().or_else(|| self.always.clone())
    }
}

#[derive(Default)]
struct State {
    rules: Vec<RuleState>,
    requests: Vec<MockRequest>,
    unanswered: Vec<String>,
    in_order: bool,
    #[cfg(feature = "websocket")]
    frames: Option<Vec<String>>,
}

/// The test double: rules that answer a [`Client`]'s calls, and the calls it received.
///
/// Cheap to clone: clones share rules and records.
#[derive(Clone, Default)]
pub struct Mock {
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Mock").field("rules", &state.rules.len()).field("requests", &state.requests.len()).field("in_order", &state.in_order).finish()
    }
}

impl Mock {
    /// A double with no rules: every call fails with [`Error::Mock`] until a rule answers it.
    pub fn new() -> Mock {
        Mock::default()
    }

    /// Makes the rules a script: each call must be answered by the first rule whose answers
    /// have not run out (rules answering forever end the script); anything else fails with
    /// [`Error::Mock`].
    pub fn in_order(self) -> Mock {
        self.lock().in_order = true;
        self
    }

    /// A client of this double, with the default settings, base URL [`MOCK_BASE_URL`] and
    /// token [`MOCK_TOKEN`]. For other settings, give the double to
    /// [`ClientBuilder::mock`](super::ClientBuilder::mock).
    pub fn client(&self) -> Result<Client> {
        Client::builder(MOCK_BASE_URL).token(MOCK_TOKEN).mock(self).build()
    }

    /// Adds a rule for operation `O` (a marker of `ops`) and returns it to give its answers.
    /// Until it has one, a call it matches fails with [`Error::Mock`].
    pub fn on<O: Operation>(&self) -> Rule<O> {
        let mut state = self.lock();
        state.rules.push(RuleState {
            name: O::NAME,
            method: O::METHOD,
            path: O::PATH,
            condition: None,
            once: VecDeque::new(),
            always: None,
            requests: Vec::new(),
        });
        Rule { mock: self.clone(), index: state.rules.len() - 1, operation: PhantomData }
    }

    /// Every request received, answered or not, in order.
    pub fn requests(&self) -> Vec<MockRequest> {
        self.lock().requests.clone()
    }

    /// The requests of operation `O` received, answered or not, in order.
    pub fn requests_to<O: Operation>(&self) -> Vec<Recorded<O>> {
        let state = self.lock();
        state
            .requests
            .iter()
            .filter(|r| is_for(O::NAME, O::METHOD, O::PATH, r))
            .map(|r| Recorded::new(r.clone()))
            .collect()
    }

    /// Checks that every call was answered and every answer given once was used; the error
    /// lists what was not.
    pub fn verify(&self) -> Result<()> {
        let state = self.lock();
        let mut problems = state.unanswered.clone();
        for (i, rule) in state.rules.iter().enumerate() {
            if !rule.once.is_empty() {
                problems.push(format!("rule {} for `{}` has {} answer(s) left", i + 1, rule.name, rule.once.len()));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Mock(problems.join("; ")))
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Answers one attempt of `template` (an operation's path template) with the rules; what
    /// the client's transport calls instead of sending `request`.
    pub(super) fn answer(&self, template: &'static str, operation: Option<&'static str>, request: &reqwest::Request) -> Result<reqwest::Response> {
        let recorded = MockRequest {
            operation,
            method: request.method().clone(),
            path_template: template,
            url: request.url().clone(),
            headers: request.headers().clone(),
            body: request.body().and_then(reqwest::Body::as_bytes).map(Bytes::copy_from_slice),
        };
        let mut state = self.lock();
        state.requests.push(recorded.clone());
        let chosen = match choose(&state, &recorded) {
            Ok(index) => index,
            Err(why) => {
                let message = format!("{} ({} {template}): {why}", describe(operation), recorded.method);
                state.unanswered.push(message.clone());
                return Err(Error::Mock(message));
            }
        };
        let rule = &mut state.rules[chosen];
        rule.requests.push(recorded.clone());
        let answer = rule.next();
        drop(state);
        let reply = match answer {
            Some(Answer::Fixed(reply)) => reply,
            Some(Answer::Computed(respond)) => respond(&recorded),
            None => return Err(Error::Mock(format!("{}: the rule has no answer", describe(operation)))),
        };
        if let Some(error) = reply.error {
            return Err(Error::Mock(format!("{}: {error}", describe(operation))));
        }
        // The reply carries the request's URL: the client checks the reply's origin against it.
        let mut builder = reqwest::ResponseBuilderExt::url(http::Response::builder().status(reply.status), request.url().clone());
        if let Some(headers) = builder.headers_mut() {
            *headers = reply.headers;
        }
        let response = builder.body(reply.body).map_err(|e| Error::Mock(format!("{}: {e}", describe(operation))))?;
        Ok(reqwest::Response::from(response))
    }

    /// Takes the recorded frames for one event stream.
    #[cfg(feature = "websocket")]
    pub(super) fn take_frames(&self) -> Option<Vec<String>> {
        self.lock().frames.take()
    }

    /// Sets the frames (the JSON text of each, as the server sends them) that the next event
    /// stream of a client of this double yields, in order; the stream ends after the last one.
    /// Actions sent on it are answered with status `OK`.
    #[cfg(feature = "websocket")]
    pub fn replay_frames<S: Into<String>>(&self, frames: impl IntoIterator<Item = S>) {
        self.lock().frames = Some(frames.into_iter().map(Into::into).collect());
    }
}

/// Whether `request` was made by the operation `name` (by method and path template when the
/// request names no operation, as the runtime's own login does not).
fn is_for(name: &str, method: &str, path: &str, request: &MockRequest) -> bool {
    match request.operation {
        Some(operation) => operation == name,
        None => method == request.method.as_str() && path == request.path_template,
    }
}

/// `` `get_user` `` for a known operation, else a placeholder.
fn describe(operation: Option<&'static str>) -> String {
    operation.map_or_else(|| "an operation the mock does not know".to_owned(), |name| format!("`{name}`"))
}

/// The index of the rule that answers `request`, or why none does.
fn choose(state: &State, request: &MockRequest) -> std::result::Result<usize, String> {
    if state.in_order {
        let Some((index, rule)) = state.rules.iter().enumerate().find(|(_, r)| !r.is_exhausted()) else {
            return Err("the script of rules has ended".to_owned());
        };
        if rule.is_for(request) && rule.fits(request) {
            return Ok(index);
        }
        return Err(format!("the script expected rule {} for `{}` next", index + 1, rule.name));
    }
    let for_operation: Vec<(usize, &RuleState)> = state.rules.iter().enumerate().filter(|(_, r)| r.is_for(request)).collect();
    if for_operation.is_empty() {
        return Err("no rule for this operation".to_owned());
    }
    let fitting: Vec<&(usize, &RuleState)> = for_operation.iter().filter(|(_, r)| r.fits(request)).collect();
    if fitting.is_empty() {
        return Err(format!("the condition of its {} rule(s) does not fit the request", for_operation.len()));
    }
    match fitting.iter().find(|(_, r)| !r.is_exhausted()) {
        Some((index, _)) => Ok(*index),
        None => {
            let used: usize = fitting.iter().map(|(_, r)| r.requests.len()).sum();
            Err(format!("its rule(s) answered {used} call(s) and have no answer left"))
        }
    }
}

/// A rule of a [`Mock`] for operation `O`; made by [`Mock::on`]. Cheap to clone: clones
/// change and read the same rule.
///
/// Answers are given in the order they are added: each `then_*` answer once, then the last
/// `reply`/`fail`/`respond` answer for every later call. A rule whose answers ran out matches
/// no more calls.
pub struct Rule<O> {
    mock: Mock,
    index: usize,
    operation: PhantomData<fn() -> O>,
}

impl<O> Clone for Rule<O> {
    fn clone(&self) -> Self {
        Rule { mock: self.mock.clone(), index: self.index, operation: PhantomData }
    }
}

impl<O: Operation> fmt::Debug for Rule<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("operation", &O::NAME).field("calls", &self.calls()).finish()
    }
}

impl<O: Operation> Rule<O> {
    /// Answers only the calls for which `condition` holds (by path parameter, query, body...).
    pub fn matching(self, condition: impl Fn(&Recorded<O>) -> bool + Send + Sync + 'static) -> Self {
        let condition: Condition = Arc::new(move |request| condition(&Recorded::new(request.clone())));
        self.with(|rule| rule.condition = Some(condition));
        self
    }

    /// Answers every later call with `value`, as a server would send it.
    pub fn reply(self, value: O::Reply) -> Self {
        self.push(Answer::Fixed(HttpReply::value::<O>(&value)), true)
    }

    /// Answers the next call with `value`.
    pub fn then_reply(self, value: O::Reply) -> Self {
        self.push(Answer::Fixed(HttpReply::value::<O>(&value)), false)
    }

    /// Answers every later call with the value `respond` makes from its request; an `Err`
    /// fails the call with [`Error::Mock`].
    pub fn reply_with(self, respond: impl Fn(&Recorded<O>) -> Result<O::Reply> + Send + Sync + 'static) -> Self {
        self.push(computed(respond), true)
    }

    /// Answers the next call with the value `respond` makes from its request.
    pub fn then_reply_with(self, respond: impl Fn(&Recorded<O>) -> Result<O::Reply> + Send + Sync + 'static) -> Self {
        self.push(computed(respond), false)
    }

    /// Answers every later call with a Mattermost error (`status`, an `AppError` of `id` and
    /// `message`), which the client turns into [`Error::Api`] as it would a server's.
    pub fn fail(self, status: StatusCode, id: &str, message: &str) -> Self {
        self.push(Answer::Fixed(HttpReply::app_error(status, id, message)), true)
    }

    /// Answers the next call with a Mattermost error.
    pub fn then_fail(self, status: StatusCode, id: &str, message: &str) -> Self {
        self.push(Answer::Fixed(HttpReply::app_error(status, id, message)), false)
    }

    /// Answers every later call with this status, headers and body.
    pub fn respond(self, reply: HttpReply) -> Self {
        self.push(Answer::Fixed(reply), true)
    }

    /// Answers the next call with this status, headers and body (a 429 with `Retry-After`...).
    pub fn then_respond(self, reply: HttpReply) -> Self {
        self.push(Answer::Fixed(reply), false)
    }

    /// How many calls this rule answered.
    pub fn calls(&self) -> usize {
        self.with(|rule| rule.requests.len())
    }

    /// The requests this rule answered, in order.
    pub fn requests(&self) -> Vec<Recorded<O>> {
        self.with(|rule| rule.requests.iter().map(|r| Recorded::new(r.clone())).collect())
    }

    /// Whether its answers ran out.
    pub fn is_exhausted(&self) -> bool {
        self.with(|rule| rule.is_exhausted())
    }

    fn push(self, answer: Answer, always: bool) -> Self {
        self.with(|rule| {
            if always {
                rule.always = Some(answer);
            } else if rule.always.is_none() {
                rule.once.push_back(answer);
            } else {
                // A `then_*` after an answer for every call: that one is given once, then this.
                let previous = rule.always.take();
                rule.once.extend(previous);
                rule.once.push_back(answer);
            }
        });
        self
    }

    fn with<T>(&self, f: impl FnOnce(&mut RuleState) -> T) -> T {
        let mut state = self.mock.lock();
        f(&mut state.rules[self.index])
    }
}

/// An answer made by `respond` from each request.
fn computed<O: Operation>(respond: impl Fn(&Recorded<O>) -> Result<O::Reply> + Send + Sync + 'static) -> Answer {
    Answer::Computed(Arc::new(move |request| match respond(&Recorded::new(request.clone())) {
        Ok(value) => HttpReply::value::<O>(&value),
        Err(e) => HttpReply { error: Some(format!("the rule's reply failed: {e}")), ..HttpReply::status(StatusCode::OK) },
    }))
}
