//! The API reference page (`/developers`): the OpenAPI document of `/api/v1` made readable.
//! Built on the server from the document itself (`server/api/doc.rs`), so the page and
//! `/api/v1/openapi.json` never disagree.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiReference {
    pub title: String,
    pub version: String,
    pub description: String,
    /// Where the paths start, e.g. `/api/v1`.
    pub base: String,
    pub groups: Vec<ApiGroup>,
    pub schemas: Vec<ApiSchemaDoc>,
}

/// The operations under one tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiGroup {
    pub tag: String,
    pub description: String,
    pub operations: Vec<ApiOperationDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiOperationDoc {
    /// `operationId`, for links within the page.
    pub id: String,
    /// `GET`, `POST`, ...
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    /// The ways to call it: security scheme names; an empty name means "anonymous".
    pub auth: Vec<String>,
    pub parameters: Vec<ApiFieldDoc>,
    /// Media type and the type of its body.
    pub bodies: Vec<(String, ApiType)>,
    pub responses: Vec<ApiResponseDoc>,
}

/// A parameter, or a property of a schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiFieldDoc {
    pub name: String,
    /// `path`, `query`, `header` (empty for properties).
    pub location: String,
    pub required: bool,
    pub kind: ApiType,
    pub description: String,
}

/// A type as people read it, and the schema it names, if any (for a link).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiType {
    pub text: String,
    pub schema: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiResponseDoc {
    pub status: String,
    pub description: String,
    pub kind: Option<ApiType>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiSchemaDoc {
    pub name: String,
    pub description: String,
    /// What it is when it is not an object with properties (`one of …`, `string`).
    pub kind: ApiType,
    pub properties: Vec<ApiFieldDoc>,
}
