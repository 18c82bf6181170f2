//! `passport demo`: a fresh demo world, served. A registry operator, three organisations with staff of varied
//! compliance drawn from the synthetic workforce generator, users of every role with passwords and tokens,
//! and a curl line that returns data.

use std::net::SocketAddr;

use anyhow::Context;
use chrono::Utc;
use clap::Args;
use domain::org::NewOrganisation;
use rand::Rng;
use rand::distributions::Alphanumeric;
use server::AppState;
use store::{Dataset, NewUser, OrgScope, RegistryScope, Role, Store};
use synth::{GenerateConfig, Generator, Plan, StaffRecord};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// SQLite file for the demo world; replaced on every run.
    #[arg(long, env = "PASSPORT_DEMO_DB", default_value = "passport-demo.db")]
    pub file: String,
    /// Address to serve the demo on.
    #[arg(long, env = "PASSPORT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Staff across the demo organisations.
    #[arg(long, default_value_t = 50)]
    pub people: u64,
    /// Seed of the synthetic staff (the same seed gives the same people).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Build the world and print the logins, but do not serve.
    #[arg(long)]
    pub no_serve: bool,
}

/// One organisation's logins, as printed.
struct OrgLogin {
    ods: String,
    name: String,
    email: String,
    password: String,
    token: String,
    /// An HR user's token: deployments are HR's to propose and sign.
    hr_token: String,
    staff: usize,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    for suffix in store::SQLITE_FILE_SUFFIXES {
        let path = format!("{}{suffix}", args.file);
        if std::path::Path::new(&path).exists() {
            std::fs::remove_file(&path).with_context(|| format!("removing the old demo database {path}"))?;
        }
    }
    // The walk-through's wallet lives beside the demo database and is replaced with it, so the printed
    // `wallet create` works on every run.
    let wallet_file = wallet_file(&args.file);
    if wallet_file.exists() {
        std::fs::remove_file(&wallet_file)
            .with_context(|| format!("removing the old demo wallet {}", wallet_file.display()))?;
    }
    let url = format!("sqlite://{}", args.file);
    let store = Store::connect(&url).await.with_context(|| format!("creating {url}"))?;
    eprintln!("building the demo world in {} …", args.file);
    let (operator, orgs) = build(&store, &args).await?;
    let ods_codes: Vec<String> = orgs.iter().map(|o| o.ods.clone()).collect();
    let worker = crate::demo_worker::create(&store, &ods_codes).await?;
    if args.no_serve {
        let base = format!("http://{}", args.listen);
        print_welcome(&base, &operator, &orgs);
        worker.iter().for_each(|w| crate::demo_worker::print(&base, w));
        return Ok(());
    }
    // Bind before printing so that the printed address is the real one (port 0 picks a free port).
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    let base = format!("http://{}", listener.local_addr()?);
    // The demo's keys are sealed under the key file beside its database, so `passport serve` on the same
    // file later opens them.
    let keys = crate::config::KeyArgs::default().key_store(&store, &url).await?;
    let mut state = AppState::new(store);
    state.keys = keys;
    state.public_url = Some(base.clone());
    // Served from here on: the agreements are made through the API, the worker's signature by a wallet.
    let serving = tokio::spawn(server::serve(listener, state.clone(), crate::serve::shutdown_signal()));
    let walkthrough = match (orgs.first(), orgs.get(1).or(orgs.first())) {
        (Some(first), Some(host)) => crate::demo_oid4vc::prepare(&state, &first.ods, (&host.ods, &host.token)).await?,
        _ => None,
    };
    let parties: Vec<_> = orgs
        .iter()
        .map(|o| crate::demo_agreements::Party { ods: &o.ods, admin_token: &o.token, hr_token: &o.hr_token })
        .collect();
    let agreements = match &walkthrough {
        Some(w) if parties.len() > 1 => {
            let files = wallet_file.parent().unwrap_or(std::path::Path::new("."));
            let person = (w.person_id.as_str(), w.worker.as_str());
            Some(crate::demo_agreements::prepare(&state, &base, &operator.2, &parties, person, files).await?)
        }
        _ => None,
    };
    print_welcome(&base, &operator, &orgs);
    worker.iter().for_each(|w| crate::demo_worker::print(&base, w));
    match (&walkthrough, orgs.first()) {
        (Some(w), _) => crate::demo_oid4vc::print(&base, w, &wallet_file),
        (None, Some(first)) => {
            println!("\n(no worker of {} can be issued every credential their role needs)", first.ods)
        }
        (None, None) => {}
    }
    if let Some(a) = &agreements {
        crate::demo_agreements::print(&base, a, &wallet_file);
    }
    println!("\nServing on {base} — press Ctrl-C to stop.");
    serving.await??;
    Ok(())
}

async fn build(store: &Store, args: &DemoArgs) -> anyhow::Result<((String, String, String), Vec<OrgLogin>)> {
    let registry = RegistryScope::system("demo");
    let operator_password = password();
    let operator = store
        .auth()
        .create_operator(&registry, "operator@registry.demo", "Registry Operator", Some(&operator_password))
        .await?;
    let operator_token = store.auth().issue_operator_token(&registry, &operator.id, "demo").await?.token;

    let plan = Plan::new(GenerateConfig {
        seed: args.seed,
        people: args.people,
        organisations: 3,
        today: Utc::now().date_naive(),
    });
    let generator = Generator::new(plan);
    let mut logins = Vec::new();
    for org_plan in &generator.plan.orgs {
        let new =
            NewOrganisation { ods_code: org_plan.ods_code.clone(), name: org_plan.name.clone(), kind: org_plan.kind };
        let org = store.registry().create_organisation(&registry, &new).await?;
        let scope = OrgScope::system(org.id.clone(), "demo");
        let dataset = store.dataset(&scope);
        for requirements in synth::roles::all_requirements() {
            dataset.put_role_requirements(&requirements).await?;
        }
        let mut staff = 0;
        for record in generator.records(org_plan.index) {
            load(&dataset, &record).await?;
            staff += 1;
        }
        let (email, password, token, hr_token) = users(store, &scope, org_plan.ods_code.as_str()).await?;
        logins.push(OrgLogin {
            ods: org_plan.ods_code.as_str().to_owned(),
            name: org_plan.name.clone(),
            email,
            password,
            token,
            hr_token,
            staff,
        });
    }
    Ok((("operator@registry.demo".to_owned(), operator_password, operator_token), logins))
}

async fn load(dataset: &Dataset<'_>, record: &StaffRecord) -> anyhow::Result<()> {
    let person = dataset.create_person(&record.person).await?;
    for assignment in &record.assignments {
        dataset.add_assignment(&person.id, assignment).await?;
    }
    for check in &record.checks {
        dataset.add_check(&person.id, check).await?;
    }
    for competence in &record.competences {
        dataset.add_competence(&person.id, competence).await?;
    }
    for immunisation in &record.immunisations {
        dataset.add_immunisation(&person.id, immunisation).await?;
    }
    if let Some(clearance) = &record.clearance {
        dataset.set_oh_clearance(&person.id, clearance).await?;
    }
    Ok(())
}

/// An admin (printed) and one user per other role, so every screen has someone to log in as.
async fn users(store: &Store, scope: &OrgScope, ods: &str) -> anyhow::Result<(String, String, String, String)> {
    let domain = format!("{}.demo", ods.to_lowercase());
    let admin_password = password();
    let admin_email = format!("admin@{domain}");
    let admin = store
        .auth()
        .create_user(
            scope,
            NewUser {
                email: admin_email.clone(),
                display_name: format!("{ods} administrator"),
                roles: vec![Role::Admin],
                password: Some(admin_password.clone()),
            },
        )
        .await?;
    let mut hr_token = String::new();
    for role in [Role::Hr, Role::Training, Role::OccupationalHealth, Role::Verifier] {
        let user = store
            .auth()
            .create_user(
                scope,
                NewUser {
                    email: format!("{}@{domain}", role.as_str().replace('_', "-")),
                    display_name: format!("{ods} {}", role.as_str()),
                    roles: vec![role],
                    password: Some(admin_password.clone()),
                },
            )
            .await?;
        if role == Role::Hr {
            hr_token = store.auth().issue_token(scope, &user.id, "demo").await?.token;
        }
    }
    let token = store.auth().issue_token(scope, &admin.id, "demo").await?.token;
    Ok((admin_email, admin_password, token, hr_token))
}

pub(crate) fn password() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(16).map(char::from).collect()
}

fn print_welcome(base: &str, operator: &(String, String, String), orgs: &[OrgLogin]) {
    println!("\nStaff Passport demo world");
    println!("=========================\n");
    println!("Server:   {base}");
    println!("OpenAPI:  {base}/openapi.json");
    println!("Portal:   {base}/login  (sign in with an organisation's ODS code, an email and password below;");
    println!("          the registry operator leaves the organisation code empty)\n");
    println!("Registry operator  {}  password {}  token {}", operator.0, operator.1, operator.2);
    for org in orgs {
        println!("\n{} {} ({} staff records)", org.ods, org.name, org.staff);
        println!("  admin    {}  password {}", org.email, org.password);
        println!("  token    {}", org.token);
        println!(
            "  also     hr@, training@, occupational-health@, verifier@{}.demo (same password)",
            org.ods.to_lowercase()
        );
    }
    if let Some(first) = orgs.first() {
        println!("\nTry it (compliance of {}):", first.name);
        command(curl(&first.token, &format!("{base}/api/v1/compliance")));
        command(curl(&first.token, &format!("{base}/api/v1/people?limit=5")));
    }
}

/// Prints a command line that works pasted as it stands into a fresh shell, marked `$ ` (the demo test runs
/// every such line verbatim). Build it from [`passport`], [`curl`] and [`quote`]; adding a printed command is
/// one call of this.
pub(crate) fn command(line: impl AsRef<str>) {
    println!("  $ {}", line.as_ref());
}

/// This very binary, quoted for the shell: after `cargo run -- demo` no `passport` is on the PATH.
pub(crate) fn passport() -> String {
    std::env::current_exe().map(|p| quote(&p.to_string_lossy())).unwrap_or_else(|_| "passport".to_owned())
}

/// A `curl` line reading `url` with `token`; it exits non-zero on an HTTP error and still prints the body.
pub(crate) fn curl(token: &str, url: &str) -> String {
    format!("curl -sS --fail-with-body -H {} {}", quote(&format!("Authorization: Bearer {token}")), quote(url))
}

/// `word` quoted for a POSIX shell: as it is when it has no special character, else in single quotes.
pub(crate) fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The demo wallet file: beside the demo database (`passport-demo.db` → `passport-demo-wallet.json`),
/// absolute so the printed commands work from any directory.
fn wallet_file(database: &str) -> std::path::PathBuf {
    let name = format!("{}-wallet.json", database.strip_suffix(".db").unwrap_or(database));
    std::path::absolute(&name).unwrap_or_else(|_| name.into())
}
