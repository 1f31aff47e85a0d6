import { createHash } from 'node:crypto';
import { DevIssuerError } from './errors.js';

/** A person who signs in with an email address (Fulcio issuer type `email`). */
export interface EmailIdentity {
  email: string;
  /** Default `true`; `false` mints a token an email issuer must reject. */
  emailVerified?: boolean;
}

/** A GitHub Actions job, named `OWNER/REPO/.github/workflows/F.yml@REF`. */
export interface GitHubWorkflowIdentity {
  /** `OWNER/REPO/.github/workflows/FILE.yml@REF`; a REF without `refs/` is a branch. */
  githubWorkflow: string;
  /** Deployment environment; when set it also becomes the subject, as on GitHub. */
  environment?: string;
  /** Default `push`. */
  eventName?: string;
  /** Commit (40 hex); default derived from the repository and ref. */
  sha?: string;
  /** Default `public`. */
  repositoryVisibility?: string;
  /** Default `github-hosted`. */
  runnerEnvironment?: string;
}

/** A GitLab CI job, named `GROUP[/SUBGROUP…]/PROJECT@REF`. */
export interface GitLabPipelineIdentity {
  /** `GROUP/PROJECT@REF`; a REF without `refs/` is a branch. */
  gitlabPipeline: string;
  environment?: string;
  /** Default `push`. */
  pipelineSource?: string;
  sha?: string;
  /** Default `gitlab-hosted`. */
  runnerEnvironment?: string;
}

/** One of the identities the development issuer can mint tokens for. */
export type DevIdentity = EmailIdentity | GitHubWorkflowIdentity | GitLabPipelineIdentity;

const bad = (message: string): DevIssuerError => new DevIssuerError('ERR_OIDC_DEV_IDENTITY', message);

/** A stable decimal id for a name, so repeated mints agree (GitHub and GitLab ids are numbers). */
function stableId(kind: string, name: string): string {
  return String(createHash('sha256').update(`${kind}\0${name}`).digest().readUInt32BE(0) % 900_000_000 + 100_000_000);
}

function stableSha(...parts: string[]): string {
  return createHash('sha1').update(parts.join('\0')).digest('hex');
}

function optString(v: unknown, name: string, re: RegExp = /^[\x21-\x7e]{1,200}$/): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !re.test(v)) throw bad(`${name} is not a valid value`);
  return v;
}

function fullRef(ref: string): { ref: string; refType: 'branch' | 'tag'; short: string } {
  const full = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
  if (full.startsWith('refs/tags/')) return { ref: full, refType: 'tag', short: full.slice('refs/tags/'.length) };
  const short = full.startsWith('refs/heads/') ? full.slice('refs/heads/'.length) : full;
  return { ref: full, refType: 'branch', short };
}

const SEGMENT = '[A-Za-z0-9_.-]{1,100}';
const GITHUB_WORKFLOW = new RegExp(`^(${SEGMENT})/(${SEGMENT})/(\\.github/workflows/[A-Za-z0-9_./-]{1,200}\\.ya?ml)@([A-Za-z0-9_./-]{1,200})$`);
const GITLAB_PIPELINE = new RegExp(`^((?:${SEGMENT}/)+)(${SEGMENT})@([A-Za-z0-9_./-]{1,200})$`);
const SHA_RE = /^[0-9a-f]{40}$/;

/**
 * The identity claims of a token for `identity`, as the real issuer would send them (every
 * GitHub and GitLab id is a string, as theirs are). `issuer` is this issuer's URL; GitLab's
 * `ci_config_ref_uri` takes its host from it, as a self-managed GitLab's does.
 * @throws DevIssuerError `ERR_OIDC_DEV_IDENTITY` when the identity is not exactly one of the shapes.
 */
export function identityClaims(identity: DevIdentity, issuer: string): Record<string, unknown> {
  if (typeof identity !== 'object' || identity === null) throw bad('identity must be an object');
  const kinds = (['email', 'githubWorkflow', 'gitlabPipeline'] as const).filter((k) => (identity as unknown as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1) throw bad('name exactly one of email, githubWorkflow, gitlabPipeline');
  if ('email' in identity && identity.email !== undefined) return emailClaims(identity);
  if ('githubWorkflow' in identity && identity.githubWorkflow !== undefined) return gitHubClaims(identity);
  return gitLabClaims(identity as GitLabPipelineIdentity, issuer);
}

function emailClaims(id: EmailIdentity): Record<string, unknown> {
  const email = optString(id.email, 'email', /^[^\s@]{1,64}@[A-Za-z0-9.-]{1,190}$/) as string;
  if (id.emailVerified !== undefined && typeof id.emailVerified !== 'boolean') throw bad('emailVerified must be a boolean');
  return { sub: stableId('user', email.toLowerCase()), email, email_verified: id.emailVerified ?? true };
}

function gitHubClaims(id: GitHubWorkflowIdentity): Record<string, unknown> {
  const m = typeof id.githubWorkflow === 'string' ? GITHUB_WORKFLOW.exec(id.githubWorkflow) : null;
  if (!m) throw bad('githubWorkflow must look like OWNER/REPO/.github/workflows/FILE.yml@REF');
  const [, owner, repo, path, rawRef] = m as unknown as [string, string, string, string, string];
  const repository = `${owner}/${repo}`;
  const { ref, refType } = fullRef(rawRef);
  const environment = optString(id.environment, 'environment');
  const eventName = optString(id.eventName, 'eventName') ?? 'push';
  const sha = optString(id.sha, 'sha', SHA_RE) ?? stableSha(repository, ref);
  const workflowRef = `${repository}/${path}@${ref}`;
  // GitHub's default subject: environment, then pull_request, then the ref.
  const sub = environment !== undefined ? `repo:${repository}:environment:${environment}`
    : eventName === 'pull_request' ? `repo:${repository}:pull_request`
    : `repo:${repository}:ref:${ref}`;
  const runId = stableId('run', `${workflowRef}:${sha}`);
  return {
    sub,
    ref,
    ref_type: refType,
    ref_protected: 'false',
    sha,
    repository,
    repository_id: stableId('repo', repository),
    repository_owner: owner,
    repository_owner_id: stableId('owner', owner),
    repository_visibility: optString(id.repositoryVisibility, 'repositoryVisibility') ?? 'public',
    actor: owner,
    actor_id: stableId('owner', owner),
    workflow: path.replace(/^.*\//, '').replace(/\.ya?ml$/, ''),
    workflow_ref: workflowRef,
    workflow_sha: sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: sha,
    event_name: eventName,
    head_ref: '',
    base_ref: '',
    run_id: runId,
    run_number: '1',
    run_attempt: '1',
    runner_environment: optString(id.runnerEnvironment, 'runnerEnvironment') ?? 'github-hosted',
    ...(environment !== undefined ? { environment } : {}),
  };
}

function gitLabClaims(id: GitLabPipelineIdentity, issuer: string): Record<string, unknown> {
  const m = typeof id.gitlabPipeline === 'string' ? GITLAB_PIPELINE.exec(id.gitlabPipeline) : null;
  if (!m) throw bad('gitlabPipeline must look like GROUP/PROJECT@REF');
  const [, groupSlash, project, rawRef] = m as unknown as [string, string, string, string];
  const namespacePath = groupSlash.slice(0, -1);
  const projectPath = `${namespacePath}/${project}`;
  const { ref: refPath, refType, short } = fullRef(rawRef);
  const environment = optString(id.environment, 'environment');
  const sha = optString(id.sha, 'sha', SHA_RE) ?? stableSha(projectPath, refPath);
  const host = new URL(issuer).host;
  const pipelineId = stableId('pipeline', `${projectPath}:${sha}`);
  return {
    // GitLab's subject: project_path:{group}/{project}:ref_type:{type}:ref:{branch_name}
    sub: `project_path:${projectPath}:ref_type:${refType}:ref:${short}`,
    namespace_id: stableId('namespace', namespacePath),
    namespace_path: namespacePath,
    project_id: stableId('project', projectPath),
    project_path: projectPath,
    project_visibility: 'public',
    user_id: stableId('user', namespacePath),
    user_login: namespacePath.split('/')[0],
    pipeline_id: pipelineId,
    pipeline_source: optString(id.pipelineSource, 'pipelineSource') ?? 'push',
    job_id: stableId('job', pipelineId),
    ref: short,
    ref_type: refType,
    ref_path: refPath,
    ref_protected: 'true',
    sha,
    runner_id: stableId('runner', host),
    runner_environment: optString(id.runnerEnvironment, 'runnerEnvironment') ?? 'gitlab-hosted',
    ci_config_ref_uri: `${host}/${projectPath}//.gitlab-ci.yml@${refPath}`,
    ci_config_sha: sha,
    ...(environment !== undefined ? { environment, environment_protected: 'false', deployment_tier: 'other' } : {}),
  };
}
