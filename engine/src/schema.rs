//! The JSON Schema of a playbook (`hostnet schema`), for editors.
//!
//! Built from the same declarations the loader and the modules use: the
//! play, task and `loop_control` keys of `playbook/keys.rs`, the module
//! registry ([`MODULES`]) with each module's argument spec, and the Ansible
//! keywords hostnet leaves out. So the schema accepts exactly the keys
//! hostnet accepts, and a misspelt key fails in the editor as it fails in
//! `hostnet check`. Values are not typed beyond their shape: any value may be
//! a template (`"{{ subnet | host(1) }}"`), which only `hostnet check` can
//! judge. `schema/playbook.schema.json` is this output, kept current by a test.

use serde_json::{Map, Value, json};

use crate::modules::{ArgSpec, MODULES, Module};
use crate::playbook::keys::{ANSIBLE_ONLY, LoopControlKey, PlayKey, Shape, TaskKey};

/// Where the committed schema lives in the repository.
pub const PATH: &str = "schema/playbook.schema.json";

/// The schema as pretty JSON with a final newline (what `hostnet schema` prints).
pub fn playbook_text() -> String {
    let mut text = serde_json::to_string_pretty(&playbook()).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema of a playbook file: a list of plays.
pub fn playbook() -> Value {
    let mut definitions = Map::new();
    definitions.insert("play".into(), play());
    definitions.insert("task".into(), task(false));
    definitions.insert("handler".into(), task(true));
    definitions.insert("loop_control".into(), loop_control());
    definitions.insert(
        "template".into(),
        json!({
            "type": "string",
            "pattern": "\\{\\{",
            "description": "A Jinja template that renders to the value (e.g. `\"{{ vms }}\"`)."
        }),
    );
    for module in MODULES {
        definitions.insert(format!("module_{}", module.name), module_arguments(module));
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "hostnet playbook",
        "description": "A hostnet playbook: a list of plays, each with ordered tasks that name one module each. See docs/playbook.md and docs/modules.md.",
        "type": ["array", "null"],
        "items": { "$ref": "#/definitions/play" },
        "definitions": definitions,
    })
}

fn play() -> Value {
    let mut properties = Map::new();
    for key in PlayKey::ALL {
        properties.insert(key.name().into(), with_doc(shape(key.shape()), key.doc()));
    }
    ansible_only(&mut properties);
    json!({
        "type": "object",
        "description": "A play: `hosts: localhost` and its `tasks`.",
        "properties": properties,
        "additionalProperties": false,
    })
}

fn task(handler: bool) -> Value {
    let mut properties = Map::new();
    for key in TaskKey::ALL {
        properties.insert(key.name().into(), with_doc(shape(key.shape()), key.doc()));
    }
    let modules: Vec<&Module> = MODULES
        .iter()
        .copied()
        .filter(|module| !handler || module.handler_ok)
        .collect();
    for module in &modules {
        properties.insert(
            module.name.into(),
            json!({ "$ref": format!("#/definitions/module_{}", module.name) }),
        );
    }
    ansible_only(&mut properties);
    let one_module: Vec<Value> = modules
        .iter()
        .map(|module| json!({ "required": [module.name] }))
        .collect();
    let description = if handler {
        "A handler: a task run once at the end of the play when notified; it may use `service`, `command`, `file` or `blockinfile`."
    } else {
        "A task: exactly one module key, plus `name`, `when`, `loop`, `loop_control`, `notify`, `tags`, `vars`."
    };
    json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": false,
        "oneOf": one_module,
    })
}

fn loop_control() -> Value {
    let mut properties = Map::new();
    for key in LoopControlKey::ALL {
        properties.insert(key.name().into(), with_doc(shape(key.shape()), key.doc()));
    }
    json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}

/// Ansible's keywords and modules: known, so an editor can say why they fail.
fn ansible_only(properties: &mut Map<String, Value>) {
    for (name, reason) in ANSIBLE_ONLY {
        let message = format!("Ansible's `{name}` is not supported by hostnet: {reason}");
        properties.insert(
            (*name).into(),
            json!({
                "not": {},
                "description": message,
                "deprecationMessage": message,
                "doNotSuggest": true,
            }),
        );
    }
}

fn module_arguments(module: &Module) -> Value {
    let mut properties = Map::new();
    for spec in module.args {
        properties.insert(spec.name.into(), argument(spec, spec.name));
        for alias in spec.aliases {
            properties.insert((*alias).into(), argument(spec, alias));
        }
    }
    let required: Vec<Value> = module
        .args
        .iter()
        .filter(|spec| spec.required)
        .map(|spec| {
            let names = std::iter::once(spec.name).chain(spec.aliases.iter().copied());
            json!({ "anyOf": names.map(|name| json!({ "required": [name] })).collect::<Vec<_>>() })
        })
        .collect();
    let mut mapping = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        mapping["allOf"] = Value::Array(required);
    }
    let mut shapes = vec![mapping, json!({ "$ref": "#/definitions/template" })];
    if !module.args.iter().any(|spec| spec.required) {
        shapes.push(json!({ "type": "null" }));
    }
    json!({
        "description": format!("{} {}", module.summary, module.doc),
        "anyOf": shapes,
    })
}

fn argument(spec: &ArgSpec, written: &str) -> Value {
    let mut doc = format!(
        "{} ({}{})",
        spec.doc,
        spec.kind,
        if spec.required { ", required" } else { "" }
    );
    if written != spec.name {
        doc = format!("Alias of `{}`. {doc}", spec.name);
    }
    let mut value = json!({ "description": doc });
    let choices = literal_choices(spec.kind);
    if !choices.is_empty() {
        // Suggestions only: the module also accepts templates (and some spellings, like `host-only`).
        value["examples"] = json!(choices);
    }
    value
}

/// `` `a` | `b` `` → `["a", "b"]`; empty unless every alternative is a literal.
fn literal_choices(kind: &str) -> Vec<&str> {
    let parts: Vec<&str> = kind.split('|').map(str::trim).collect();
    let literals: Vec<&str> = parts
        .iter()
        .filter_map(|part| part.strip_prefix('`').and_then(|rest| rest.strip_suffix('`')))
        .filter(|literal| !literal.contains('`'))
        .collect();
    if parts.len() > 1 && literals.len() == parts.len() {
        literals
    } else {
        Vec::new()
    }
}

fn with_doc(mut schema: Value, doc: &str) -> Value {
    schema["description"] = Value::from(doc);
    schema
}

fn shape(shape: Shape) -> Value {
    let scalar = json!({ "type": ["string", "number", "boolean"] });
    match shape {
        Shape::Text => scalar,
        Shape::Hosts => json!({ "enum": ["localhost", "all", "127.0.0.1"] }),
        Shape::Vars => json!({ "type": ["object", "null"] }),
        Shape::Paths => json!({ "anyOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] }),
        Shape::Tasks => json!({ "type": ["array", "null"], "items": { "$ref": "#/definitions/task" } }),
        Shape::Handlers => json!({ "type": ["array", "null"], "items": { "$ref": "#/definitions/handler" } }),
        Shape::Conditions => json!({
            "anyOf": [
                { "type": ["string", "boolean"] },
                { "type": "array", "items": { "type": ["string", "boolean"] } }
            ]
        }),
        Shape::Items => json!({ "type": ["array", "string"] }),
        Shape::LoopControl => json!({ "$ref": "#/definitions/loop_control" }),
        Shape::Names => json!({ "anyOf": [scalar, { "type": "array", "items": scalar }] }),
        Shape::Identifier => json!({ "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }),
        Shape::Any => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_choices_only_for_pure_literals() {
        assert_eq!(literal_choices("`present` | `absent`"), ["present", "absent"]);
        assert!(literal_choices("`none` | `dhcp` | list of CIDRs").is_empty());
        assert!(literal_choices("`BOF` | line prefix").is_empty());
        assert!(literal_choices("interface name").is_empty());
    }

    #[test]
    fn every_key_and_module_is_in_the_schema() {
        let schema = playbook();
        let definitions = &schema["definitions"];
        for key in PlayKey::ALL {
            assert!(
                definitions["play"]["properties"].get(key.name()).is_some(),
                "{}",
                key.name()
            );
        }
        for module in MODULES {
            assert!(definitions["task"]["properties"].get(module.name).is_some());
            assert_eq!(
                definitions["handler"]["properties"].get(module.name).is_some(),
                module.handler_ok,
                "{}",
                module.name
            );
        }
    }
}
