//! `passport user …`: an organisation's user accounts, straight on the database as trusted local tooling
//! (a system scope on `--ods`, audited as `system:cli user …`): list, create, disable, enable, revoke every
//! token, issue a token. Passwords are read from an environment variable or standard input, never from
//! the command line (which other users of the machine can see).

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use domain::org::OdsCode;
use store::{NewUser, OrgScope, Role, Store, User};

use crate::config::DatabaseArgs;

#[derive(Subcommand)]
pub enum UserCommand {
    /// The organisation's users: email, roles, whether disabled, id.
    List(OrgArgs),
    /// Create a user (token-only unless a password is given).
    Create(CreateArgs),
    /// Disable a user: their password and every token stop working at once.
    Disable(UserArgs),
    /// Enable a disabled user again.
    Enable(UserArgs),
    /// Revoke every live API token of a user.
    RevokeTokens(UserArgs),
    /// Issue an API token for a user (printed once).
    Token {
        #[command(flatten)]
        user: UserArgs,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Args)]
pub struct OrgArgs {
    /// The organisation's ODS code.
    #[arg(long)]
    pub ods: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Args)]
pub struct UserArgs {
    #[command(flatten)]
    pub org: OrgArgs,
    /// The user's email.
    #[arg(long)]
    pub email: String,
}

#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub user: UserArgs,
    #[arg(long)]
    pub name: String,
    /// A role: admin, hr, training, occupational_health, verifier (repeat for several).
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// Read the password from this environment variable.
    #[arg(long, conflicts_with = "password_stdin")]
    pub password_env: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::List(org) => {
            let (store, scope) = open(&org).await?;
            for user in store.auth().list_users(&scope).await? {
                print_user(&user);
            }
        }
        UserCommand::Create(args) => {
            let (store, scope) = open(&args.user.org).await?;
            let roles = args
                .roles
                .iter()
                .map(|r| Role::parse(r).with_context(|| format!("--role: unknown role `{r}`")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let password = match (&args.password_env, args.password_stdin) {
                (Some(var), _) => {
                    Some(std::env::var(var).with_context(|| format!("--password-env: {var} is not set"))?)
                }
                (None, true) => {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
                    Some(line.trim_end_matches(['\r', '\n']).to_owned())
                }
                (None, false) => None,
            };
            let new = NewUser { email: args.user.email.clone(), display_name: args.name, roles, password };
            let user = store.auth().create_user(&scope, new).await.map_err(refusal)?;
            print_user(&user);
        }
        UserCommand::Disable(args) => set_disabled(&args, true).await?,
        UserCommand::Enable(args) => set_disabled(&args, false).await?,
        UserCommand::RevokeTokens(args) => {
            let (store, scope, user) = find(&args).await?;
            let revoked = store.auth().revoke_all_tokens(&scope, &user.id).await?;
            println!("revoked {revoked} token(s) of {}", user.email);
        }
        UserCommand::Token { user, label } => {
            let (store, scope, user) = find(&user).await?;
            let (token, expires_at) = store.auth().issue_token_expiring(&scope, &user.id, &label).await?;
            println!("{}", token.token);
            eprintln!("token {} for {}, expires {expires_at}", token.id, user.email);
        }
    }
    Ok(())
}

async fn set_disabled(args: &UserArgs, disabled: bool) -> anyhow::Result<()> {
    let (store, scope, user) = find(args).await?;
    store.auth().set_disabled(&scope, &user.id, disabled).await?;
    println!("{} {}", if disabled { "disabled" } else { "enabled" }, user.email);
    Ok(())
}

fn print_user(user: &User) {
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    let state = if user.disabled { "disabled" } else { "active" };
    println!("{}\t{}\t{state}\t{}", user.email, roles.join(","), user.id);
}

/// A store error the user can act on, said plainly (`password: is one of the most commonly used …`).
fn refusal(error: store::StoreError) -> anyhow::Error {
    match error {
        store::StoreError::Invalid(e) => anyhow::anyhow!("{}: {}", e.field, e.problem),
        store::StoreError::Conflict { field, problem } => anyhow::anyhow!("{field}: {problem}"),
        other => other.into(),
    }
}

async fn open(org: &OrgArgs) -> anyhow::Result<(Store, OrgScope)> {
    let store = Store::connect(&org.database.database_url)
        .await
        .with_context(|| format!("opening the database {}", crate::serve::redact(&org.database.database_url)))?;
    let code = OdsCode::parse(&org.ods).map_err(|e| anyhow::anyhow!("--ods: {e}"))?;
    let scope = store
        .registry()
        .system_scope(&code, "cli user")
        .await
        .with_context(|| format!("no organisation {}", org.ods))?;
    Ok((store, scope))
}

async fn find(args: &UserArgs) -> anyhow::Result<(Store, OrgScope, User)> {
    let (store, scope) = open(&args.org).await?;
    let email = args.email.trim().to_lowercase();
    let Some(user) = store.auth().list_users(&scope).await?.into_iter().find(|u| u.email == email) else {
        bail!("no user {email} at {}", args.org.ods);
    };
    Ok((store, scope, user))
}
