//! driver.inf checked the way InfVerif would check a primitive driver's INF: a subset of its
//! rules, written down here, not a replacement for running InfVerif on Windows.
use std::collections::BTreeMap;

/// The image both builds produce: the driver package's cdylib, renamed to .sys by
/// scripts/cross-build.sh and by wdk-build's flow.
const IMAGE: &str = concat!(env!("CARGO_PKG_NAME"), ".sys");

/// Sections in order of appearance: name (as written) -> lines (comments and blanks dropped).
fn sections() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/driver.inf"))
        .expect("driver.inf");
    let mut sections = BTreeMap::new();
    let mut current: Option<String> = None;
    for raw in text.lines() {
        let line = strip_comment(raw).trim().to_string();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            assert!(
                sections.insert(name.to_string(), Vec::new()).is_none(),
                "section [{name}] appears twice"
            );
            current = Some(name.to_string());
        } else {
            let section = current.as_ref().expect("a directive before any section");
            sections
                .get_mut(section)
                .expect("current section")
                .push(line);
        }
    }
    sections
}

/// Drops a `;` comment that is not inside double quotes.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (index, character) in line.char_indices() {
        match character {
            '"' => quoted = !quoted,
            ';' if !quoted => return &line[..index],
            _ => {}
        }
    }
    line
}

fn directive<'a>(lines: &'a [String], key: &str) -> Option<&'a str> {
    lines.iter().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        name.trim().eq_ignore_ascii_case(key).then(|| value.trim())
    })
}

fn section<'a>(all: &'a BTreeMap<String, Vec<String>>, name: &str) -> &'a [String] {
    all.get(name)
        .unwrap_or_else(|| panic!("section [{name}] is missing"))
}

#[test]
fn version_is_complete_for_a_primitive_driver() {
    let all = sections();
    let version = section(&all, "Version");
    assert_eq!(directive(version, "Signature"), Some("\"$WINDOWS NT$\""));
    for key in ["Class", "ClassGuid", "Provider", "CatalogFile", "DriverVer"] {
        assert!(
            directive(version, key).is_some_and(|value| !value.is_empty()),
            "[Version] {key}"
        );
    }
    assert_eq!(directive(version, "PnpLockdown"), Some("1"));
    assert_eq!(directive(version, "CatalogFile"), Some("handleguard.cat"));
    let guid = directive(version, "ClassGuid").expect("ClassGuid");
    assert!(
        guid.len() == 38 && guid.starts_with('{') && guid.ends_with('}'),
        "ClassGuid {guid}"
    );
}

#[test]
fn a_primitive_driver_has_no_manufacturer_and_only_decorated_default_install() {
    let all = sections();
    assert!(
        !all.keys()
            .any(|name| name.eq_ignore_ascii_case("Manufacturer")),
        "no [Manufacturer]"
    );
    assert!(
        !all.keys()
            .any(|name| name.eq_ignore_ascii_case("DefaultInstall")),
        "undecorated [DefaultInstall]"
    );
    assert!(
        !all.keys()
            .any(|name| name.eq_ignore_ascii_case("DefaultUninstall")),
        "no [DefaultUninstall]"
    );
    let decorated: Vec<&String> = all
        .keys()
        .filter(|name| name.to_ascii_lowercase().starts_with("defaultinstall."))
        .collect();
    for name in &decorated {
        assert!(
            name.starts_with("DefaultInstall.NTamd64"),
            "only NTamd64 decorations: [{name}]"
        );
    }
    assert!(
        decorated
            .iter()
            .any(|name| name.as_str() == "DefaultInstall.NTamd64.Services")
    );
}

#[test]
fn files_go_to_the_driver_store_and_every_referenced_section_exists() {
    let all = sections();
    let install = section(&all, "DefaultInstall.NTamd64");
    let copy = directive(install, "CopyFiles").expect("CopyFiles");
    let copied = section(&all, copy);
    assert_eq!(copied, [IMAGE]);
    assert_eq!(
        directive(section(&all, "DestinationDirs"), copy),
        Some("13"),
        "DIRID 13"
    );
    assert_eq!(
        directive(section(&all, "DestinationDirs"), "DefaultDestDir"),
        Some("13")
    );
    assert!(
        section(&all, "SourceDisksFiles")
            .iter()
            .any(|line| line.starts_with(IMAGE))
    );
    let disk = directive(section(&all, "SourceDisksFiles"), IMAGE)
        .expect("disk id")
        .split(',')
        .next()
        .map(str::trim);
    assert!(
        section(&all, "SourceDisksNames")
            .iter()
            .any(|line| line.split('=').next().map(str::trim) == disk)
    );
}

#[test]
fn the_service_is_a_demand_start_kernel_driver_running_the_built_image() {
    let all = sections();
    let services = section(&all, "DefaultInstall.NTamd64.Services");
    let add = directive(services, "AddService").expect("AddService");
    let fields: Vec<&str> = add.split(',').map(str::trim).collect();
    assert_eq!(fields.first(), Some(&"handleguard"), "service name");
    let service = section(&all, fields.get(2).expect("service-install section"));
    assert_eq!(
        directive(service, "ServiceType"),
        Some("1"),
        "SERVICE_KERNEL_DRIVER"
    );
    assert_eq!(
        directive(service, "StartType"),
        Some("3"),
        "SERVICE_DEMAND_START"
    );
    assert_eq!(
        directive(service, "ErrorControl"),
        Some("1"),
        "SERVICE_ERROR_NORMAL"
    );
    assert_eq!(
        directive(service, "ServiceBinary"),
        Some(format!(r"%13%\{IMAGE}").as_str()),
        "the built image's name, in DIRID 13"
    );
    let registry = section(&all, directive(service, "AddReg").expect("AddReg"));
    assert_eq!(
        registry,
        [
            "HKR,Parameters,MaxRegistrationsPerOpen,0x00010001,64",
            "HKR,Parameters,MaxRegistrations,0x00010001,4096"
        ],
        "the driver's defaults, as REG_DWORDs"
    );
}

#[test]
fn every_string_token_is_defined() {
    let all = sections();
    let strings = section(&all, "Strings");
    let defined: Vec<String> = strings
        .iter()
        .filter_map(|line| {
            line.split_once('=')
                .map(|(name, _)| name.trim().to_ascii_lowercase())
        })
        .collect();
    for (name, lines) in &all {
        for line in lines {
            let mut rest = line.as_str();
            while let Some(start) = rest.find('%') {
                let after = &rest[start + 1..];
                let Some(end) = after.find('%') else { break };
                let token = &after[..end];
                if !token.is_empty() && !token.chars().all(|c| c.is_ascii_digit()) {
                    assert!(
                        defined.contains(&token.to_ascii_lowercase()),
                        "%{token}% in [{name}] is not in [Strings]"
                    );
                }
                rest = &after[end + 1..];
            }
        }
    }
}

/// Ignored by default, so that a tree without package/ lists it as ignored rather than
/// passed; CI builds the package and runs it with `--include-ignored`.
#[test]
#[ignore = "needs package/: run scripts/cross-build.sh, then cargo test -- --include-ignored"]
fn the_cross_built_package_holds_the_image_the_inf_installs() {
    let package = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("package");
    assert!(
        package.is_dir(),
        "{} is missing: run scripts/cross-build.sh first",
        package.display()
    );
    for file in [IMAGE, "driver.inf"] {
        assert!(package.join(file).is_file(), "package/{file}");
    }
}
