//! What a command comes to: a report value, rendered once as text or as JSON, inside the
//! envelope every JSON output shares:
//!
//! `{"command": "info", "transport": "model", "device": "\\\\.\\HandleGuard", "exit_code": 0, ...}`
//!
//! followed by the report's own fields, or by `"error"` and `"status"` when the command
//! failed (`status` is `{"name", "code", "hex"}` or null).
use crate::failure::{Exit, Failure};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// A command's result.
pub trait Report: Serialize {
    /// The report as a user reads it, laid out for `width` columns; ends with a newline.
    fn text(&self, width: usize) -> String;
    /// The exit code it earns: [`Exit::Success`] unless what it shows is a failure.
    fn exit(&self) -> Exit {
        Exit::Success
    }
}

/// A report rendered both ways, so commands that collect others (`script`) can keep either.
pub struct Rendered {
    /// The report's JSON fields.
    pub fields: Map<String, Value>,
    /// Its text.
    pub text: String,
    /// Its exit code.
    pub exit: Exit,
}

impl Rendered {
    /// Renders `report` for `width` columns.
    pub fn of<R: Report>(report: &R, width: usize) -> Self {
        let fields = match serde_json::to_value(report) {
            Ok(Value::Object(fields)) => fields,
            Ok(other) => Map::from_iter([("report".to_string(), other)]),
            Err(error) => Map::from_iter([(
                "report".to_string(),
                Value::String(format!("cannot render the report: {error}")),
            )]),
        };
        Self {
            fields,
            text: report.text(width),
            exit: report.exit(),
        }
    }
}

/// Who produced an output: the envelope's fields.
#[derive(Clone, Debug)]
pub struct Head {
    /// The command's name, `None` when the arguments did not name one.
    pub command: Option<String>,
    /// "model" or "windows".
    pub transport: &'static str,
    /// The device path, `None` for commands that open none.
    pub device: Option<String>,
}

impl Head {
    fn envelope(&self, exit: Exit) -> Map<String, Value> {
        Map::from_iter([
            ("command".to_string(), json!(self.command)),
            ("transport".to_string(), json!(self.transport)),
            ("device".to_string(), json!(self.device)),
            ("exit_code".to_string(), json!(exit.code())),
        ])
    }

    /// A rendered report inside the envelope.
    #[must_use]
    pub fn report(&self, rendered: &Rendered) -> Value {
        let mut object = self.envelope(rendered.exit);
        object.extend(rendered.fields.clone());
        Value::Object(object)
    }

    /// A failure inside the envelope.
    #[must_use]
    pub fn failure(&self, failure: &Failure) -> Value {
        self.error(&failure.message, failure.status, failure.exit)
    }

    /// An error message (and its status) inside the envelope.
    #[must_use]
    pub fn error(&self, message: &str, status: Option<crate::status::Status>, exit: Exit) -> Value {
        let mut object = self.envelope(exit);
        object.insert("error".to_string(), json!(message));
        object.insert("status".to_string(), status_json(status));
        Value::Object(object)
    }
}

/// A status as JSON (`{"name", "code", "hex"}`), null for none.
#[must_use]
pub fn status_json(status: Option<crate::status::Status>) -> Value {
    #[derive(Serialize)]
    struct Wrapped(#[serde(serialize_with = "crate::status::serialize_option")] Option<i32>);
    serde_json::to_value(Wrapped(status)).unwrap_or(Value::Null)
}
