//! The playbook JSON Schema (`hostnet schema`): committed and current, valid
//! JSON Schema, accepting every playbook in playbooks/, and rejecting the
//! misspelt keys `hostnet check` rejects, at play, task, `loop_control` and
//! module level, and Ansible's keywords hostnet leaves out.

use serde_json::{Map, Value};

use crate::support::golden::assert_golden;
use crate::support::{hostnet, repo, stdout};

fn schema() -> Value {
    let output = hostnet().arg("schema").output().unwrap();
    assert!(output.status.success());
    serde_json::from_slice(&output.stdout).unwrap()
}

/// YAML text → JSON, through hostnet's own YAML reader (strict booleans, `0755` stays a string).
fn yaml_to_json(name: &str, text: &str) -> Value {
    use hostnet_engine::yaml::{self as node, Node, NodeValue};
    fn convert(node: &Node) -> Value {
        match &node.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(value) => Value::Bool(*value),
            NodeValue::Int(value) => Value::from(*value),
            NodeValue::Float(value) => Value::from(*value),
            NodeValue::Str(value) => Value::from(value.as_str()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(convert).collect()),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| (key.name.clone(), convert(value)))
                    .collect::<Map<_, _>>(),
            ),
        }
    }
    let source = hostnet_engine::source::Source::new(name, text);
    convert(&node::parse(&source).unwrap())
}

/// The schema's error messages for a playbook (empty: valid).
fn errors(validator: &jsonschema::Validator, name: &str, text: &str) -> Vec<String> {
    let instance = yaml_to_json(name, text);
    validator
        .iter_errors(&instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&schema()).expect("the schema is valid draft-07")
}

#[test]
fn the_committed_schema_is_what_hostnet_schema_prints() {
    let output = hostnet().arg("schema").output().unwrap();
    assert_golden(&repo().join(hostnet_engine::schema::PATH), &stdout(&output));
}

#[test]
fn the_schema_is_valid_json_schema() {
    assert!(jsonschema::meta::is_valid(&schema()));
}

#[test]
fn every_bundled_playbook_and_golden_case_passes_the_schema() {
    let validator = validator();
    let mut checked = 0;
    for entry in fs_err::read_dir(repo().join("playbooks")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "yml") {
            continue;
        }
        let text = fs_err::read_to_string(&path).unwrap();
        let found = errors(&validator, &path.display().to_string(), &text);
        assert!(found.is_empty(), "{}: {found:#?}", path.display());
        checked += 1;
    }
    for entry in fs_err::read_dir(repo().join("tests/cases")).unwrap() {
        let path = entry.unwrap().path().join("playbook.yml");
        let text = fs_err::read_to_string(&path).unwrap();
        let found = errors(&validator, &path.display().to_string(), &text);
        assert!(found.is_empty(), "{}: {found:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 39, "only {checked} playbooks checked");
    let fleet = fs_err::read_to_string(repo().join("packaging/ansible/files/vm-host.yml")).unwrap();
    assert_eq!(errors(&validator, "vm-host.yml", &fleet), Vec::<String>::new());
}

const GOOD: &str = "- name: Good
  hosts: localhost
  vars: { bridge: br0 }
  tasks:
    - name: Bridge
      bridge: { name: \"{{ bridge }}\", stp: false }
      loop: [1]
      loop_control: { label: one }
      tags: [net]
      notify: reload
    - tap: \"{{ tap_args }}\"
  handlers:
    - name: reload
      service: { name: dnsmasq, state: restarted }
";

#[test]
fn a_good_playbook_passes_and_each_misspelt_key_fails_where_it_is() {
    let validator = validator();
    assert_eq!(errors(&validator, "good.yml", GOOD), Vec::<String>::new());
    let cases = [
        ("hosts: localhost", "hsts: localhost", "/0"),
        ("      tags: [net]", "      tgas: [net]", "/0/tasks/0"),
        ("{ label: one }", "{ lable: one }", "/0/tasks/0/loop_control"),
        (
            "{ name: \"{{ bridge }}\", stp: false }",
            "{ name: br0, stpp: false }",
            "/0/tasks/0/bridge",
        ),
        (
            "service: { name: dnsmasq",
            "service: { nmae: dnsmasq",
            "/0/handlers/0/service",
        ),
        ("  vars: { bridge: br0 }", "  become: true", "/0/become"),
        ("      tags: [net]", "      register: result", "/0/tasks/0/register"),
        (
            "    - tap: \"{{ tap_args }}\"",
            "    - command: \"ip link set br0 up\"",
            "/0/tasks/1/command",
        ),
        (
            "    - tap: \"{{ tap_args }}\"",
            "    - shell: \"ip link\"",
            "/0/tasks/1/shell",
        ),
        ("    - tap: \"{{ tap_args }}\"", "    - name: no module", "/0/tasks/1"),
        (
            "      service: { name: dnsmasq, state: restarted }",
            "      bridge: { name: br1 }",
            "/0/handlers/0",
        ),
        ("  hosts: localhost", "  hosts: webservers", "/0/hosts"),
    ];
    for (good, bad, path) in cases {
        assert!(GOOD.contains(good), "{good}");
        let text = GOOD.replacen(good, bad, 1);
        let found = errors(&validator, "bad.yml", &text);
        assert!(
            found.iter().any(|error| error.ends_with(&format!(" at {path}"))),
            "`{bad}` should fail the schema at {path}, errors: {found:#?}"
        );
    }
}

#[test]
fn the_schema_says_why_ansible_keywords_fail() {
    let schema = schema();
    assert_eq!(
        schema["definitions"]["play"]["properties"]["become"]["description"],
        "Ansible's `become` is not supported by hostnet: it runs as root on this host; remove it (under Ansible, `become` belongs on the task that runs the `hostnet` module)"
    );
    assert_eq!(
        schema["definitions"]["task"]["properties"]["with_items"]["description"],
        "Ansible's `with_items` is not supported by hostnet: use `loop`"
    );
    // Module arguments carry their documentation for editors' hover text, and literal choices as suggestions.
    let mode = &schema["definitions"]["module_vm_network"]["anyOf"][0]["properties"]["mode"];
    assert_eq!(
        mode["description"],
        "The networking mode. (`bridged` | `nat` | `routed` | `host_only` | `internal` | `user` | `proxy_arp` | `socket` | `vde` | `hubport`, required)"
    );
    assert_eq!(
        mode["examples"],
        serde_json::json!([
            "bridged",
            "nat",
            "routed",
            "host_only",
            "internal",
            "user",
            "proxy_arp",
            "socket",
            "vde",
            "hubport"
        ])
    );
}

#[test]
fn the_playbook_docs_list_the_loaders_keys() {
    use hostnet_engine::playbook::keys::{PlayKey, TaskKey};
    let doc = fs_err::read_to_string(repo().join("docs/playbook.md")).unwrap();
    let keys = |heading: &str| -> Vec<String> {
        doc.split(heading)
            .nth(1)
            .unwrap()
            .lines()
            .skip(3)
            .take_while(|line| line.starts_with('|'))
            .filter_map(|line| line.strip_prefix("| `")?.split('`').next().map(str::to_owned))
            .collect()
    };
    assert_eq!(keys("## Play keys\n"), PlayKey::names().collect::<Vec<_>>());
    assert_eq!(keys("## Task keys\n"), TaskKey::names().collect::<Vec<_>>());
}
