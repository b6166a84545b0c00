//! One value shape for Open311's answers, written as JSON or as XML (escaped; characters
//! XML 1.0 cannot hold dropped), and the specification's error list.

use super::Format;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A value in an answer: one shape, written as JSON or as XML.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Text(String),
    Number(f64),
    Int(i64),
    Bool(bool),
    Null,
    /// A list: in XML each item is an element of this name.
    List(&'static str, Vec<V>),
    Object(Vec<(&'static str, V)>),
}

pub(super) fn text(s: impl Into<String>) -> V {
    V::Text(s.into())
}

pub(super) fn opt_text(s: Option<&str>) -> V {
    s.map_or(V::Null, text)
}

impl V {
    pub(super) fn json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            V::Text(s) => J::String(s.clone()),
            V::Number(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
            V::Int(n) => J::from(*n),
            V::Bool(b) => J::Bool(*b),
            V::Null => J::Null,
            V::List(_, items) => J::Array(items.iter().map(V::json).collect()),
            V::Object(fields) => J::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.json()))
                    .collect(),
            ),
        }
    }

    /// The element `name` holding this value.
    fn xml(&self, name: &str, out: &mut String) {
        out.push('<');
        out.push_str(name);
        out.push('>');
        match self {
            V::Text(s) => escape_xml(s, out),
            V::Number(n) => out.push_str(&n.to_string()),
            V::Int(n) => out.push_str(&n.to_string()),
            V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            V::Null => {}
            V::List(item, items) => items.iter().for_each(|v| v.xml(item, out)),
            V::Object(fields) => fields.iter().for_each(|(k, v)| v.xml(k, out)),
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

/// Text as XML character data: markup characters escaped, characters XML 1.0 cannot hold
/// dropped.
pub fn escape_xml(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// An answer: `root` is the XML document element (a list's items are `V::List`'s name).
pub(super) fn answer(status: StatusCode, format: Format, root: &str, body: &V) -> Response {
    match format {
        Format::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body.json().to_string(),
        )
            .into_response(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
            body.xml(root, &mut out);
            out.push('\n');
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                out,
            )
                .into_response()
        }
    }
}

/// The specification's error answer: a list of `{code, description}`.
pub(super) fn error(format: Format, status: StatusCode, descriptions: Vec<String>) -> Response {
    let errors = V::List(
        "error",
        descriptions
            .into_iter()
            .map(|d| {
                V::Object(vec![
                    ("code", V::Int(i64::from(status.as_u16()))),
                    ("description", text(d)),
                ])
            })
            .collect(),
    );
    answer(status, format, "errors", &errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped_and_json_is_the_same_shape() {
        let v = V::List(
            "request",
            vec![V::Object(vec![
                ("a", text("<b>&\"x'\u{1}")),
                ("n", V::Number(56.5)),
                ("z", V::Null),
                ("l", V::List("format", vec![text("text/xml")])),
            ])],
        );
        let mut out = String::new();
        v.xml("service_requests", &mut out);
        assert_eq!(
            out,
            "<service_requests><request><a>&lt;b&gt;&amp;&quot;x&apos;</a><n>56.5</n><z></z>\
             <l><format>text/xml</format></l></request></service_requests>"
        );
        assert_eq!(
            v.json(),
            serde_json::json!([{"a": "<b>&\"x'\u{1}", "n": 56.5, "z": null, "l": ["text/xml"]}])
        );
    }
}
