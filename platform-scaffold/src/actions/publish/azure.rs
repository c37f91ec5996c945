//! `publish:azure` on the local git host, with the Azure module's
//! defaults (branch `master`, message `initial commit`) and outputs (the
//! remote and web URLs Azure DevOps answers with, a repository id).

use serde_json::Value;

use super::new_repository::{PushInput, create_and_push};
use super::{RepoTarget, recorded_schemas};
use crate::Error;
use crate::actions::git::LocalGitHost;
use crate::actions::{Action, ActionContext};

/// `publish:azure`: creates the repository on the local git host and
/// pushes the workspace (or `sourcePath`) to it.
#[derive(Clone, Debug)]
pub struct PublishAzure {
    host: LocalGitHost,
}

impl PublishAzure {
    /// `publish:azure` against `host`.
    #[must_use]
    pub fn new(host: LocalGitHost) -> Self {
        Self { host }
    }
}

/// A repository id in Azure's GUID shape, made from the first commit so a
/// run is reproducible.
fn repository_id(hash: &str) -> String {
    let hex: String = hash
        .chars()
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

impl Action for PublishAzure {
    fn id(&self) -> &str {
        "publish:azure"
    }

    fn description(&self) -> &str {
        "Creates an Azure DevOps repository and pushes the workspace to it (here: on the local git host)."
    }

    fn input_schema(&self) -> Value {
        recorded_schemas(self.id()).0
    }

    fn output_schema(&self) -> Value {
        recorded_schemas(self.id()).1
    }

    fn run(&self, ctx: &mut ActionContext<'_>) -> Result<(), Error> {
        let input: PushInput = ctx.input_as(self.id())?;
        let target = RepoTarget::parse(ctx, &input.repo_url, "azure")?;
        let branch = input.branch("master")?;
        let hash =
            create_and_push(ctx, &self.host, &target, &input, branch, &[])?.unwrap_or_default();
        // `owner` is `<organization>/<project>`.
        let organization = target.owner.split('/').next().unwrap_or_default();
        let (host, path, repo) = (&target.host, &target.owner, &target.repo);
        ctx.output("commitHash", Value::String(hash.clone()));
        ctx.output(
            "remoteUrl",
            Value::String(format!("https://{organization}@{host}/{path}/_git/{repo}")),
        );
        ctx.output(
            "repoContentsUrl",
            Value::String(format!("https://{host}/{path}/_git/{repo}")),
        );
        ctx.output("repositoryId", Value::String(repository_id(&hash)));
        Ok(())
    }
}
