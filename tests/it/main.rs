//! The integration tests, in one binary so that they share one build and one link.
//! Each module is one area; `common` is the harness (moto, sandboxes, the AWS CLI).

mod botocore_differential;
mod bulk_moto;
mod cli_extras;
mod cli_list;
mod common;
mod console;
mod credential_process;
mod demo;
mod document;
mod exec;
mod keyring;
mod login;
mod profiles;
mod renew_errors;
mod renew_moto;
mod rotate_moto;
mod safe_write;
mod security_backups;
mod security_demo;
mod security_endpoint;
mod security_files;
mod security_socket;
mod security_terminal;
mod settings_cli;
mod sso;
mod sso_login;
mod status;
mod tls;
mod tui_e2e;
mod tui_scale;
mod tui_snapshots;
mod workflows_moto;
