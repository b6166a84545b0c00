//! The OpenAPI document's frame (title, servers, tags, security schemes) and its readable
//! form for the `/developers` page.

use crate::model::{
    ApiFieldDoc, ApiGroup, ApiOperationDoc, ApiReference, ApiResponseDoc, ApiSchemaDoc, ApiType,
};
use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Taka API",
        description = "Public services and their requests: the catalogue, making and following a request, figures for managers, and webhooks for partner systems. Texts and errors come in the language of `Accept-Language`. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`. Partner systems may also use Open311 GeoReport v2 at `/open311/v2`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    servers((url = "/api/v1", description = "This server")),
    modifiers(&Security),
    tags(
        (name = "services", description = "The catalogue: what can be requested, and what each request form asks"),
        (name = "requests", description = "Making a request and following it with its tracking code"),
        (name = "analytics", description = "Figures for managers, with a staff member's token"),
        (name = "tokens", description = "A staff member's own API tokens"),
        (name = "webhooks", description = "Partner systems hear of changes, with their partner key"),
        (name = "about", description = "This description"),
    ),
)]
pub struct ApiDoc;

/// The ways of saying who calls.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A staff member's personal token (profile page, or `taka create-token`)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "partner_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "A partner system's key, made by a portfolio owner on the partners page",
            ))),
        );
    }
}

/// The language of texts and errors.
#[derive(IntoParams)]
#[into_params(names("Accept-Language"), parameter_in = Header)]
#[allow(dead_code)]
pub struct AcceptLanguage(
    /// `lv`, `en`, `de`, `et`, `lt`, `pl`, `ru` or `uk`, with weights as browsers send
    /// them (default: Latvian).
    Option<String>,
);

/// The document of `/api/v1`, readable: operations by tag, then the schemas (made once).
pub fn reference() -> ApiReference {
    static REFERENCE: std::sync::OnceLock<ApiReference> = std::sync::OnceLock::new();
    REFERENCE
        .get_or_init(|| {
            let doc = serde_json::to_value(super::document()).unwrap_or(Value::Null);
            reference_from(&doc)
        })
        .clone()
}

/// A schema that says nothing: any value.
fn any() -> ApiType {
    ApiType {
        text: "any".into(),
        schema: None,
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// The name a `$ref` points at.
fn ref_name(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string)
}

/// A schema as people read it: `string`, `array of Status`, `integer or null`, ...
pub(super) fn type_of(schema: &Value) -> ApiType {
    if let Some(name) = ref_name(schema) {
        return ApiType {
            text: name.clone(),
            schema: Some(name),
        };
    }
    for (key, word) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            let kinds: Vec<ApiType> = parts.iter().map(type_of).collect();
            return ApiType {
                text: kinds
                    .iter()
                    .map(|k| k.text.as_str())
                    .collect::<Vec<_>>()
                    .join(word),
                schema: kinds.into_iter().find_map(|k| k.schema),
            };
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        return ApiType {
            text: format!("one of: {}", names.join(", ")),
            schema: None,
        };
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let mut schema_ref = None;
    let mut words: Vec<String> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "array" => {
                if let Some(prefix) = schema.get("prefixItems").and_then(Value::as_array) {
                    let parts: Vec<String> = prefix.iter().map(|p| type_of(p).text).collect();
                    format!("[{}]", parts.join(", "))
                } else {
                    let item = schema.get("items").map(type_of).unwrap_or_else(any);
                    schema_ref = item.schema.clone();
                    format!("array of {}", item.text)
                }
            }
            "object" => match schema.get("additionalProperties") {
                Some(Value::Object(m)) if !m.is_empty() => {
                    format!("map of {}", type_of(&Value::Object(m.clone())).text)
                }
                _ => "object".into(),
            },
            other => match schema.get("format").and_then(Value::as_str) {
                Some(f) => format!("{other} ({f})"),
                None => other.to_string(),
            },
        })
        .collect();
    let null = types.contains(&"null");
    if words.is_empty() {
        words.push(if null { "null" } else { "any" }.into());
    } else if null {
        words.push("null".into());
    }
    let text = words.join(" or ");
    ApiType {
        text,
        schema: schema_ref,
    }
}

fn properties(schema: &Value) -> Vec<ApiFieldDoc> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out: Vec<ApiFieldDoc> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, p)| ApiFieldDoc {
                    name: name.clone(),
                    location: String::new(),
                    required: required.contains(&name.as_str()),
                    kind: type_of(p),
                    description: text(p, "description"),
                })
                .collect()
        })
        .unwrap_or_default();
    // `allOf` (a flattened type and more): the properties of each part.
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(properties(part));
    }
    out
}

pub(super) fn reference_from(doc: &Value) -> ApiReference {
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    let base = doc
        .get("servers")
        .and_then(|s| s.get(0))
        .map(|s| text(s, "url"))
        .unwrap_or_default();
    let mut groups: Vec<ApiGroup> = doc
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| ApiGroup {
            tag: text(t, "name"),
            description: text(t, "description"),
            operations: vec![],
        })
        .collect();
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let auth = op
                .get("security")
                .and_then(Value::as_array)
                .map(|alts| {
                    alts.iter()
                        .map(|a| {
                            a.as_object()
                                .and_then(|o| o.keys().next().cloned())
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .unwrap_or_else(|| vec![String::new()]);
            let parameters = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| ApiFieldDoc {
                    name: text(p, "name"),
                    location: text(p, "in"),
                    required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                    kind: p.get("schema").map(type_of).unwrap_or_else(any),
                    description: text(p, "description"),
                })
                .collect();
            let media = |v: &Value| -> Vec<(String, ApiType)> {
                v.get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(m, c)| {
                        let kind = c.get("schema").map(type_of).unwrap_or_else(any);
                        (m.clone(), kind)
                    })
                    .collect()
            };
            let bodies = op.get("requestBody").map(media).unwrap_or_default();
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(status, r)| ApiResponseDoc {
                    status: status.clone(),
                    description: text(r, "description"),
                    kind: media(r).into_iter().next().map(|(_, k)| k),
                })
                .collect();
            let description = text(op, "description");
            let operation = ApiOperationDoc {
                id: text(op, "operationId"),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(op, "summary"),
                description,
                auth,
                parameters,
                bodies,
                responses,
            };
            let tag = op
                .get("tags")
                .and_then(|t| t.get(0))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            match groups.iter_mut().find(|g| g.tag == tag) {
                Some(g) => g.operations.push(operation),
                None => groups.push(ApiGroup {
                    tag,
                    description: String::new(),
                    operations: vec![operation],
                }),
            }
        }
    }
    groups.retain(|g| !g.operations.is_empty());
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, s)| ApiSchemaDoc {
            name: name.clone(),
            description: text(s, "description"),
            kind: type_of(s),
            properties: properties(s),
        })
        .collect();
    ApiReference {
        title: text(&info, "title"),
        version: text(&info, "version"),
        description: text(&info, "description"),
        base,
        groups,
        schemas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_read_as_people_say_them() {
        let t = |v: Value| type_of(&v).text;
        assert_eq!(t(json!({"type": "string"})), "string");
        assert_eq!(
            t(json!({"type": ["integer", "null"], "format": "int64"})),
            "integer (int64) or null"
        );
        assert_eq!(t(json!({"$ref": "#/components/schemas/Status"})), "Status");
        assert_eq!(
            t(json!({"type": "array", "items": {"$ref": "#/components/schemas/ApiField"}})),
            "array of ApiField"
        );
        assert_eq!(
            t(json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/ShowIf"}]})),
            "null or ShowIf"
        );
        assert_eq!(
            t(json!({"type": "string", "enum": ["new", "closed"]})),
            "one of: new, closed"
        );
        assert_eq!(
            t(
                json!({"type": "array", "prefixItems": [{"$ref": "#/components/schemas/Channel"}, {"type": "integer"}]})
            ),
            "[Channel, integer]"
        );
        assert_eq!(
            t(json!({"type": "object", "additionalProperties": {"type": "string"}})),
            "map of string"
        );
        assert_eq!(t(json!({})), "any");
        // The schema named is kept for a link.
        assert_eq!(
            type_of(&json!({"type": "array", "items": {"$ref": "#/components/schemas/ApiField"}}))
                .schema
                .as_deref(),
            Some("ApiField")
        );
    }

    #[test]
    fn the_reference_holds_every_operation_of_the_document() {
        let doc = serde_json::to_value(super::super::document()).unwrap();
        let r = reference_from(&doc);
        assert_eq!(r.base, "/api/v1");
        let ops: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum();
        assert_eq!(
            r.groups.iter().map(|g| g.operations.len()).sum::<usize>(),
            ops
        );
        // Every schema a type names is among the schemas shown.
        for g in &r.groups {
            for op in &g.operations {
                assert!(
                    !op.summary.is_empty(),
                    "{} {} has no summary",
                    op.method,
                    op.path
                );
                for resp in &op.responses {
                    if let Some(name) = resp.kind.as_ref().and_then(|k| k.schema.as_ref()) {
                        assert!(
                            r.schemas.iter().any(|s| &s.name == name),
                            "{name} is not shown"
                        );
                    }
                }
            }
        }
        let create = r
            .groups
            .iter()
            .flat_map(|g| &g.operations)
            .find(|o| o.method == "POST" && o.path == "/requests")
            .unwrap();
        assert_eq!(create.auth, vec!["", "partner_key", "staff_token"]);
        assert!(
            create
                .bodies
                .iter()
                .any(|(m, k)| m == "application/json" && k.text == "CreateRequest")
        );
        assert!(create.responses.iter().any(|r| r.status == "422"));
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_route() {
        let doc = serde_json::to_value(super::super::document()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut ops: Vec<String> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .map(move |m| format!("{} {path}", m.to_uppercase()))
            })
            .collect();
        ops.sort();
        assert_eq!(
            ops,
            [
                "DELETE /tokens/{id}",
                "DELETE /webhooks/{id}",
                "GET /analytics/summary",
                "GET /openapi.json",
                "GET /requests/{reference}",
                "GET /requests/{reference}/attachments/{id}",
                "GET /services",
                "GET /services/{code}",
                "GET /tokens",
                "GET /webhooks",
                "POST /requests",
                "POST /webhooks",
            ]
        );
    }
}
