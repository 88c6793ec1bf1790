//! Templating of string values with minijinja, strict about undefined names.
//!
//! Only values are templated, never the YAML text. A value that is exactly one
//! expression (`"{{ vms }}"`) keeps its native type (a list stays a list); any
//! other string containing `{{`, `{%` or `{#` renders to a string. Strings
//! without template syntax are taken as they are.

use minijinja::value::ValueKind;
use minijinja::{Environment, UndefinedBehavior, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::filters;
use crate::source::Pos;
use crate::value::{Arg, ArgValue};
use crate::yaml::{Node, NodeValue};

/// Instructions one template or expression may run: far beyond what a
/// playbook needs (a loop over a thousand VMs takes some ten thousand),
/// and a bound on a template that loops (nearly) forever.
pub const FUEL: u64 = 100_000;

/// The most items `range()` makes in one template, all calls together
/// (minijinja allows 100 000 per call): with the fuel, this bounds the work
/// one template can ask for, since a filter over a list costs one
/// instruction however long the list is.
pub const MAX_RANGE: usize = 10_000;

thread_local! {
    /// `range()` items the template being rendered may still make.
    static RANGE_LEFT: std::cell::Cell<usize> = const { std::cell::Cell::new(MAX_RANGE) };
}

/// A fresh `range()` allowance, for the template about to be rendered.
fn reset_range() {
    RANGE_LEFT.with(|left| left.set(MAX_RANGE));
}

/// The template environment (one per run).
pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    /// An environment with strict undefined and hostnet's filters.
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        env.add_function(
            "range",
            |lower: isize, upper: Option<isize>, step: Option<isize>| -> Result<Value, minijinja::Error> {
                let span = match upper {
                    Some(upper) => upper.saturating_sub(lower),
                    None => lower,
                };
                let stride = step.unwrap_or(1).unsigned_abs().max(1);
                let items = span.unsigned_abs().div_ceil(stride);
                let left = RANGE_LEFT.with(std::cell::Cell::get);
                if items > left {
                    return Err(minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("range() makes at most {MAX_RANGE} items in one template"),
                    ));
                }
                RANGE_LEFT.with(|cell| cell.set(left - items));
                minijinja::functions::range(lower, upper, step)
            },
        );
        // Ansible's template defaults: keep the final newline, trim the newline after a block tag.
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        filters::register(&mut env);
        Self { env }
    }

    /// Render one string found at `pos`.
    pub fn render_text(&self, text: &str, pos: &Pos, scope: &Value) -> Result<Value> {
        if !has_template(text) {
            return Ok(Value::from(text));
        }
        reset_range();
        if let Some(expression) = single_expression(text) {
            let compiled = self
                .env
                .compile_expression(expression)
                .map_err(|error| template_error(pos, &error, None, scope))?;
            let value = compiled
                .eval(scope.clone())
                .map_err(|error| template_error(pos, &error, Some(&compiled.undeclared_variables(true)), scope))?;
            if value.is_undefined() {
                return Err(undefined(pos, expression.trim()));
            }
            return Ok(value);
        }
        let template = self
            .env
            .template_from_str(text)
            .map_err(|error| template_error(pos, &error, None, scope))?;
        template
            .render(scope.clone())
            .map(Value::from)
            .map_err(|error| template_error(pos, &error, Some(&template.undeclared_variables(true)), scope))
    }

    /// Render a node and everything in it.
    pub fn render(&self, node: &Node, scope: &Value) -> Result<Arg> {
        let value = match &node.value {
            NodeValue::Str(text) => {
                let value = self.render_text(text, &node.pos, scope)?;
                return Ok(Arg::from_value(&node.pos, &value));
            }
            NodeValue::Null => ArgValue::Scalar(Value::from(())),
            NodeValue::Bool(value) => ArgValue::Scalar(Value::from(*value)),
            NodeValue::Int(value) => ArgValue::Scalar(Value::from(*value)),
            NodeValue::Float(value) => ArgValue::Scalar(Value::from(*value)),
            NodeValue::Seq(items) => ArgValue::Seq(
                items
                    .iter()
                    .map(|item| self.render(item, scope))
                    .collect::<Result<_>>()?,
            ),
            NodeValue::Map(entries) => ArgValue::Map(
                entries
                    .iter()
                    .map(|(key, value)| Ok((key.clone(), self.render(value, scope)?)))
                    .collect::<Result<_>>()?,
            ),
        };
        Ok(Arg {
            pos: node.pos.clone(),
            value,
        })
    }

    /// Evaluate a `when:` condition: a bare expression (Ansible style), a
    /// `{{ }}` template, or a boolean.
    pub fn condition(&self, node: &Node, scope: &Value) -> Result<bool> {
        match &node.value {
            NodeValue::Bool(value) => Ok(*value),
            NodeValue::Str(text) => {
                reset_range();
                let expression = single_expression(text).unwrap_or(text);
                let compiled = self
                    .env
                    .compile_expression(expression)
                    .map_err(|error| template_error(&node.pos, &error, None, scope))?;
                let value = compiled.eval(scope.clone()).map_err(|error| {
                    template_error(&node.pos, &error, Some(&compiled.undeclared_variables(true)), scope)
                })?;
                if value.is_undefined() {
                    return Err(undefined(&node.pos, expression.trim()));
                }
                Ok(value.is_true())
            }
            other => Err(Error::at(
                &node.pos,
                ErrorKind::Type {
                    expected: "a condition (an expression or a boolean)".into(),
                    found: other.describe().into(),
                },
            )),
        }
    }
}

/// Does the text contain template syntax?
pub fn has_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// `"{{ expr }}"` → `expr` when the whole string is one expression.
fn single_expression(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}") && !inner.contains("{%")).then_some(inner)
}

fn undefined(pos: &Pos, name: &str) -> Error {
    Error::at(pos, ErrorKind::UndefinedVariable { name: name.to_owned() })
}

fn template_error(
    pos: &Pos,
    error: &minijinja::Error,
    names: Option<&std::collections::HashSet<String>>,
    scope: &Value,
) -> Error {
    if error.kind() == minijinja::ErrorKind::UndefinedError
        && let Some(names) = names
        && let Some(missing) = first_missing(names, scope)
    {
        return undefined(pos, &missing);
    }
    if error.kind() == minijinja::ErrorKind::OutOfFuel {
        return Error::at(
            pos,
            ErrorKind::Template {
                message: format!(
                    "the template ran {FUEL} steps without finishing (a loop too large, or one that never ends)"
                ),
            },
        );
    }
    let mut message = error.detail().map_or_else(|| error.kind().to_string(), str::to_owned);
    if let Some(detail) = error.detail()
        && error.kind() != minijinja::ErrorKind::InvalidOperation
    {
        message = format!("{}: {detail}", error.kind());
    }
    Error::at(pos, ErrorKind::Template { message })
}

/// The first dotted name (`vm.mac`) that does not resolve in `scope`.
fn first_missing(names: &std::collections::HashSet<String>, scope: &Value) -> Option<String> {
    let mut names: Vec<&String> = names.iter().collect();
    names.sort();
    for name in names {
        let mut value = scope.clone();
        let mut path = Vec::new();
        for part in name.split('.') {
            path.push(part);
            let next = value.get_attr(part).unwrap_or_default();
            if next.is_undefined() {
                return Some(path.join("."));
            }
            if next.kind() != ValueKind::Map {
                break;
            }
            value = next;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;
    use crate::value::{Scope, map_value, scope_value};

    fn pos() -> Pos {
        Pos::new(&Source::new("t.yml", "x: 1\n"), 1, 4)
    }

    #[test]
    fn native_values_and_text() {
        let templates = Templates::new();
        let mut scope = Scope::new();
        scope.insert("vms".into(), Value::from(vec!["tap0", "tap1"]));
        scope.insert("subnet".into(), Value::from("172.16.1.0/24"));
        let scope = scope_value(&scope);
        let list = templates.render_text("{{ vms }}", &pos(), &scope).unwrap();
        assert_eq!(list.kind(), ValueKind::Seq);
        let text = templates.render_text("br-{{ vms | length }}", &pos(), &scope).unwrap();
        assert_eq!(text.as_str(), Some("br-2"));
        let host = templates.render_text("{{ subnet | host(1) }}", &pos(), &scope).unwrap();
        assert_eq!(host.as_str(), Some("172.16.1.1/24"));
    }

    #[test]
    fn a_template_that_runs_too_long_is_stopped() {
        let templates = Templates::new();
        let scope = scope_value(&Scope::new());
        let error = templates
            .render_text("{% for a in 'x' * 90000 %}{{ a }}{% endfor %}", &pos(), &scope)
            .unwrap_err();
        assert_eq!(
            error.kind.to_string(),
            "template error: the template ran 100000 steps without finishing (a loop too large, or one that never ends)"
        );
        let error = templates
            .render_text(
                "{% for a in range(10000) %}{% for b in range(10) %}{% endfor %}{% endfor %}",
                &pos(),
                &scope,
            )
            .unwrap_err();
        assert_eq!(
            error.kind.to_string(),
            "template error: range() makes at most 10000 items in one template"
        );
        // The allowance is per template.
        for _ in 0..3 {
            templates
                .render_text("{{ range(10000) | length }}", &pos(), &scope)
                .unwrap();
        }
    }

    #[test]
    fn undefined_names_are_named() {
        let templates = Templates::new();
        let mut scope = Scope::new();
        scope.insert("vm".into(), map_value([("name".into(), Value::from("a"))]));
        let scope = scope_value(&scope);
        let error = templates.render_text("{{ nope }}", &pos(), &scope).unwrap_err();
        assert_eq!(error.kind.to_string(), "undefined variable `nope`");
        let error = templates.render_text("x-{{ vm.mac }}", &pos(), &scope).unwrap_err();
        assert_eq!(error.kind.to_string(), "undefined variable `vm.mac`");
    }
}
