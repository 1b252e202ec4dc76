import { createHmac, randomBytes, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction, Provider } from 'oidc-provider';
import { normaliseNhsNumber } from '@joinedup/fhir';
import type { Logger } from '../../platform/log.ts';
import { demoPatient } from './demo-users.ts';
import type { OAuthClientConfig, PatientUser, StaffUser, User } from './oauth.config.ts';
import type { GrantContext, GrantContextStore, LaunchStore } from './oauth.store.ts';
import { narrowScopes, STATIC_SCOPES } from './smart-scopes.ts';

// The sign-in pages (oidc-provider's "interactions"): who signs in, which role profile they act in, and, for a
// standalone launch asking for launch/patient, which patient. Server-rendered in the NHS style, no scripts and no
// external assets. Every form post carries a CSRF token bound to the interaction, and the interaction itself is
// bound to the browser by oidc-provider's signed cookie.

// ---------------------------------------------------------------------------------------------------------------
// Passwords

const SCRYPT = { N: 16384, r: 8, p: 1 };

function scryptAsync(password: BinaryLike, salt: BinaryLike, length: number, options: ScryptOptions) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, length, { ...options, maxmem: 64 * 1024 * 1024 }, (e, key) =>
      e ? reject(e) : resolve(key),
    ),
  );
}

/** A password's scrypt hash for JOINEDUP_USERS: `scrypt$N$r$p$salt$key` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password.normalize('NFKC'), salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether a password matches a hash made by hashPassword; compared in constant time. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([\w-]+)\$([\w-]+)$/.exec(hash);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await scryptAsync(password.normalize('NFKC'), Buffer.from(m[4]!, 'base64url'), expected.length, {
    N: Number(m[1]),
    r: Number(m[2]),
    p: Number(m[3]),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

// Spent on an unknown user name, so that a wrong name takes as long as a wrong password.
let dummyHash: Promise<string> | undefined;

// ---------------------------------------------------------------------------------------------------------------
// Users

/** The users who can sign in: configured staff, and in demo mode the demo staff and patients. */
export interface UserDirectory {
  find(id: string): User | undefined;
  demoStaff: readonly StaffUser[];
  demoPatients: readonly PatientUser[];
  isDemo: boolean;
}

export function createUserDirectory(options: {
  configured: readonly StaffUser[];
  demo?: readonly User[];
}): UserDirectory {
  const byId = new Map<string, User>();
  for (const u of options.configured) byId.set(u.id, u);
  const demo = options.demo;
  for (const u of demo ?? []) byId.set(u.id, u);
  return {
    find(id: string) {
      const user = byId.get(id);
      if (user) return user;
      // Demo mode: any valid NHS number signs in as that patient (the demo's stand-in for NHS login at P9).
      const nhs = demo && /^nhs-(\d{10})$/.exec(id)?.[1];
      return nhs ? demoPatient(nhs) : undefined;
    },
    demoStaff: (demo ?? []).filter((u): u is StaffUser => u.kind === 'staff'),
    demoPatients: (demo ?? []).filter((u): u is PatientUser => u.kind === 'patient'),
    isDemo: demo !== undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Routes

export interface SignInDeps {
  provider: Provider;
  basePath: string;
  users: UserDirectory;
  clients: ReadonlyMap<string, OAuthClientConfig>;
  audience: string;
  issuer: string;
  csrfKey: Buffer;
  demo: boolean;
  launches: LaunchStore;
  grantContexts: GrantContextStore;
  grantContextTtl: number;
  findPatientByNhsNumber?: (nhsNumber: string) => Promise<string | undefined>;
  log: Logger;
}

/** What a sign-in has settled so far, kept in the interaction between pages. */
interface SignInState {
  accountId?: string;
  roleProfileId?: string;
  patient?: string;
}

const FAILURES_BEFORE_LOCK = 5;
const LOCK_MS = 15 * 60 * 1000;
// Failed user names are remembered in memory: bounded, so that made-up names cannot fill it.
const MAX_REMEMBERED_FAILURES = 10_000;

type Form = Record<string, string | undefined>;

export function registerSignInRoutes(app: FastifyInstance, deps: SignInDeps) {
  const { provider, basePath } = deps;
  const failures = new Map<string, { count: number; until: number }>();

  const csrfFor = (uid: string) => createHmac('sha256', deps.csrfKey).update(`csrf:${uid}`).digest('base64url');

  async function interaction(request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply) {
    let details: Interaction;
    try {
      details = await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      return undefined;
    }
    return details.uid === request.params.uid ? details : undefined;
  }

  function expired(reply: FastifyReply) {
    return sendPage(
      reply,
      400,
      renderMessagePage(
        'This sign-in has expired',
        'It was started too long ago or in another browser. Go back to the app and start again.',
      ),
    );
  }

  function checkPost(request: FastifyRequest<{ Params: { uid: string } }>): Form | undefined {
    const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Form;
    // A cross-site form post carries another Origin; a same-site one ours (or none, from older browsers).
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== new URL(deps.issuer).origin && origin !== requestOrigin(request)) {
      return undefined;
    }
    const expected = Buffer.from(csrfFor(request.params.uid));
    const given = Buffer.from(form.csrf ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected) ? form : undefined;
  }

  async function saveState(request: FastifyRequest, reply: FastifyReply, state: SignInState, uid: string) {
    await provider.interactionResult(request.raw, reply.raw, { joinedup: state }, { mergeWithLastSubmission: false });
    return reply.code(303).header('location', `${basePath}/${uid}`).send();
  }

  const stateOf = (details: Interaction): SignInState => (details.result?.joinedup as SignInState | undefined) ?? {};
  // Who is signing in: whoever signed in on these pages, else the session's user unless the app asked for a new
  // sign-in (prompt=login, max_age passed).
  const accountIdOf = (details: Interaction, state: SignInState) =>
    state.accountId ?? (details.prompt.name === 'login' ? undefined : details.session?.accountId);

  app.get<{ Params: { uid: string } }>(`${basePath}/:uid`, async (request, reply) => {
    const details = await interaction(request, reply);
    if (!details) return expired(reply);
    return step(request, reply, details, stateOf(details));
  });

  async function step(
    request: FastifyRequest<{ Params: { uid: string } }>,
    reply: FastifyReply,
    details: Interaction,
    state: SignInState,
    error?: string,
  ) {
    const client = deps.clients.get(details.params.client_id);
    const view = {
      uid: details.uid,
      basePath,
      csrf: csrfFor(details.uid),
      clientName: client?.name ?? details.params.client_id,
    };
    const accountId = accountIdOf(details, state);
    const user = accountId ? deps.users.find(accountId) : undefined;
    if (!user) return sendPage(reply, error ? 400 : 200, renderSignIn(view, deps.users, error));
    if (user.kind === 'staff' && user.roleProfiles.length > 1 && !state.roleProfileId) {
      return sendPage(reply, error ? 400 : 200, renderRoleChoice(view, user, error));
    }
    const scopes = (details.params.scope ?? '').split(' ');
    const launchId = typeof details.params.launch === 'string' ? details.params.launch : undefined;
    if (user.kind === 'staff' && !launchId && scopes.includes('launch/patient') && !state.patient) {
      return sendPage(reply, error ? 400 : 200, renderPatientChoice(view, user, error));
    }
    return finish(request, reply, details, { ...state, accountId: user.id }, user);
  }

  async function finish(
    request: FastifyRequest,
    reply: FastifyReply,
    details: Interaction,
    state: SignInState,
    user: User,
  ) {
    const refuse = async (error: string, description: string) => {
      reply.hijack();
      await provider.interactionFinished(
        request.raw,
        reply.raw,
        { error, error_description: description },
        { mergeWithLastSubmission: false },
      );
    };
    const client = deps.clients.get(details.params.client_id);
    if (!client) return refuse('invalid_client', 'unknown client');
    const context: GrantContext = {};
    if (user.kind === 'staff') {
      const role =
        user.roleProfiles.length === 1
          ? user.roleProfiles[0]
          : user.roleProfiles.find((r) => r.id === state.roleProfileId);
      if (!role) return refuse('access_denied', 'no role profile was chosen');
      context.roleProfileId = role.id;
    }

    let ownPatient: string | undefined;
    if (user.kind === 'patient') {
      ownPatient = await deps.findPatientByNhsNumber?.(user.nhsNumber);
      if (ownPatient) context.patient = ownPatient;
    }

    const launchId = typeof details.params.launch === 'string' ? details.params.launch : undefined;
    if (launchId) {
      const launch = await deps.launches.find(launchId);
      if (!launch) return refuse('invalid_request', 'launch is unknown, expired or already used');
      if (launch.clientId && launch.clientId !== client.clientId) {
        return refuse('invalid_request', 'launch was created for another app');
      }
      if (launch.userId && launch.userId !== user.id) {
        return refuse('access_denied', 'launch was created for another user');
      }
      // A patient may only ever be given their own record as context.
      if (user.kind === 'patient' && launch.patient !== ownPatient) {
        return refuse('access_denied', 'launch context is for another patient');
      }
      context.patient = launch.patient;
      if (launch.encounter) context.encounter = launch.encounter;
      context.needPatientBanner = launch.needPatientBanner;
      context.launch = launch.id;
    } else if (user.kind === 'staff' && state.patient) {
      context.patient = state.patient;
      context.needPatientBanner = true;
    } else if (user.kind === 'patient' && ownPatient) {
      context.needPatientBanner = true;
    }

    const requested = (details.params.scope ?? '').split(' ').filter(Boolean);
    const { granted, refused } = narrowScopes(requested, client.scopes);
    // Patients act in patient context only; staff never as a system.
    const forKind = granted.filter((s) =>
      user.kind === 'patient' ? !s.startsWith('user/') && !s.startsWith('system/') : !s.startsWith('system/'),
    );
    const dropped = [...refused, ...granted.filter((s) => !forKind.includes(s))];
    if (user.kind === 'patient' && !context.patient && forKind.some((s) => s.startsWith('patient/'))) {
      return sendPage(
        reply,
        404,
        renderMessagePage(
          'We could not find your record',
          'There is no record in the shared care record for this NHS number.',
        ),
      );
    }
    const grant = new provider.Grant({ accountId: user.id, clientId: client.clientId });
    const statics = new Set<string>(STATIC_SCOPES);
    const oidcGranted = forKind.filter((s) => statics.has(s));
    if (oidcGranted.length) grant.addOIDCScope(oidcGranted.join(' '));
    if (forKind.length) grant.addResourceScope(deps.audience, forKind.join(' '));
    const oidcDropped = dropped.filter((s) => statics.has(s));
    if (oidcDropped.length) grant.rejectOIDCScope(oidcDropped.join(' '));
    if (dropped.length) grant.rejectResourceScope(deps.audience, dropped.join(' '));
    const grantId = await grant.save();
    await deps.grantContexts.save(grantId, context, deps.grantContextTtl);
    // A launch is used once: a second authorisation with the same launch id is refused.
    if (context.launch && !(await deps.launches.use(context.launch))) {
      return refuse('invalid_request', 'launch is unknown, expired or already used');
    }
    reply.hijack();
    await provider.interactionFinished(
      request.raw,
      reply.raw,
      { login: { accountId: user.id }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  app.post<{ Params: { uid: string } }>(`${basePath}/:uid/login`, async (request, reply) => {
    const details = await interaction(request, reply);
    if (!details) return expired(reply);
    const form = checkPost(request);
    if (!form) return expired(reply);
    let user: User | undefined;
    if (form.demo_user !== undefined) {
      user = deps.demo ? deps.users.find(form.demo_user) : undefined;
      if (!user || (!user.id.startsWith('demo-') && !user.id.startsWith('nhs-'))) user = undefined;
      if (!user) return step(request, reply, details, {}, 'That demo user does not exist.');
    } else if (form.patient_nhs_number !== undefined) {
      const nhs = normaliseNhsNumber(form.patient_nhs_number);
      user = deps.demo && nhs ? demoPatient(nhs) : undefined;
      if (!user) return step(request, reply, details, {}, 'Enter a valid 10-digit NHS number.');
    } else {
      const username = (form.username ?? '').trim();
      const password = form.password ?? '';
      if (!username || !password) return step(request, reply, details, {}, 'Enter your user name and password.');
      const lock = failures.get(username);
      if (lock && lock.count >= FAILURES_BEFORE_LOCK && lock.until > Date.now()) {
        return step(request, reply, details, {}, 'Too many attempts. Try again in 15 minutes.');
      }
      const candidate = deps.users.find(username);
      const hash = candidate?.kind === 'staff' ? candidate.passwordHash : undefined;
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      const ok = await verifyPassword(password, hash ?? (await dummyHash));
      if (!ok || !hash) {
        const f = failures.get(username);
        if (failures.size >= MAX_REMEMBERED_FAILURES) {
          for (const [name, entry] of failures) if (entry.until <= Date.now()) failures.delete(name);
          if (failures.size >= MAX_REMEMBERED_FAILURES) failures.clear();
        }
        failures.set(username, { count: (f && f.until > Date.now() ? f.count : 0) + 1, until: Date.now() + LOCK_MS });
        deps.log.info('sign-in refused', { reason: 'password' });
        return step(request, reply, details, {}, 'The user name or password is not right.');
      }
      failures.delete(username);
      user = candidate;
    }
    return saveState(request, reply, { accountId: user!.id }, details.uid);
  });

  app.post<{ Params: { uid: string } }>(`${basePath}/:uid/role`, async (request, reply) => {
    const details = await interaction(request, reply);
    if (!details) return expired(reply);
    const form = checkPost(request);
    if (!form) return expired(reply);
    const state = stateOf(details);
    const accountId = accountIdOf(details, state);
    const user = accountId ? deps.users.find(accountId) : undefined;
    if (!user || user.kind !== 'staff') return expired(reply);
    const role = user.roleProfiles.find((r) => r.id === form.role_profile);
    if (!role) return step(request, reply, details, state, 'Choose the role you are working in.');
    return saveState(request, reply, { ...state, accountId: user.id, roleProfileId: role.id }, details.uid);
  });

  app.post<{ Params: { uid: string } }>(`${basePath}/:uid/patient`, async (request, reply) => {
    const details = await interaction(request, reply);
    if (!details) return expired(reply);
    const form = checkPost(request);
    if (!form) return expired(reply);
    const state = stateOf(details);
    const nhs = normaliseNhsNumber(form.nhs_number ?? '');
    if (!nhs) return step(request, reply, details, state, 'Enter a valid 10-digit NHS number.');
    const patient = await deps.findPatientByNhsNumber?.(nhs);
    if (!patient) return step(request, reply, details, state, 'There is no patient with this NHS number.');
    const accountId = accountIdOf(details, state);
    if (!accountId) return expired(reply);
    return saveState(request, reply, { ...state, accountId, patient }, details.uid);
  });

  app.post<{ Params: { uid: string } }>(`${basePath}/:uid/cancel`, async (request, reply) => {
    const details = await interaction(request, reply);
    if (!details) return expired(reply);
    if (!checkPost(request)) return expired(reply);
    reply.hijack();
    await provider.interactionFinished(
      request.raw,
      reply.raw,
      { error: 'access_denied', error_description: 'the user cancelled sign-in' },
      { mergeWithLastSubmission: false },
    );
  });
}

function requestOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function sendPage(reply: FastifyReply, status: number, page: { html: string; nonce: string }) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'nonce-${page.nonce}'; frame-ancestors 'none'; base-uri 'none'`,
    )
    .send(page.html);
}

// ---------------------------------------------------------------------------------------------------------------
// Pages

/** Display names of the job roles the demo and most sign-ins use (National RBAC Database; domain.md 1.4). */
const ROLE_NAMES: Record<string, string> = {
  R8000: 'Clinical Practitioner',
  R8001: 'Nurse',
  R8002: 'Nurse Manager',
  R8003: 'Health Professional',
  R8004: 'Healthcare Student',
  R8006: 'Medical Secretary',
  R8008: 'Admin/Clinical Support',
  R8009: 'Receptionist',
  R8010: 'Clerical',
  R8013: 'Health Records Manager',
  R8014: 'Social Worker',
  R8016: 'Midwife',
  R0260: 'General Medical Practitioner',
  R1290: 'Pharmacist',
  R1975: 'Community Mental Health Nurse',
  R5100: 'Audit Manager',
  R0001: 'Privacy Officer',
  R6100: 'Mental Health Act Administrator',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:"Frutiger W01",Arial,sans-serif;color:#212b32;background:#f0f4f5;font-size:19px;line-height:1.47}
a{color:#005eb8}a:visited{color:#330072}
a:focus,button:focus,input:focus{outline:4px solid transparent;box-shadow:0 0 0 4px #ffeb3b,0 4px 0 4px #212b32}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#ffeb3b;color:#212b32;padding:8px;z-index:1}
header{background:#005eb8;color:#fff;padding:16px 0}
.container{max-width:960px;margin:0 auto;padding:0 16px}
.logo{display:inline-block;background:#fff;color:#005eb8;font-weight:700;font-style:italic;font-size:24px;padding:0 8px;margin-right:12px;letter-spacing:-1px}
.service{font-size:19px;font-weight:700;vertical-align:middle}
main{padding:32px 0 48px}
h1{font-size:32px;line-height:1.25;margin:0 0 24px}
h2{font-size:24px;margin:32px 0 16px}
.panel{background:#fff;padding:24px;margin-bottom:24px;border:1px solid #d8dde0}
label,legend{display:block;font-weight:700;margin-bottom:8px}
.hint{color:#4c6272;margin:-4px 0 8px}
input[type=text],input[type=password]{font:inherit;width:100%;max-width:24em;padding:4px 8px;height:40px;border:2px solid #4c6272;margin-bottom:16px}
.field{margin-bottom:16px}
fieldset{border:0;padding:0;margin:0 0 16px}
.radio{display:block;margin:0 0 12px;font-weight:400}
.radio input{width:24px;height:24px;margin-right:8px;vertical-align:middle}
button{font:inherit;font-weight:600;color:#fff;background:#007f3b;border:2px solid transparent;border-radius:4px;box-shadow:0 4px 0 #00401e;padding:8px 16px;margin:0 8px 16px 0;cursor:pointer}
button.secondary{background:#fff;color:#005eb8;border-color:#005eb8;box-shadow:0 4px 0 #004281}
button.link{background:none;border:0;box-shadow:none;color:#005eb8;text-decoration:underline;padding:0;margin:0;font-weight:600}
.users{list-style:none;padding:0;margin:0}
.users li{padding:12px 0;border-bottom:1px solid #d8dde0}
.users span{display:block;color:#4c6272;font-size:16px}
.error-summary{border:4px solid #d5281b;padding:16px;margin-bottom:24px;background:#fff}
.error-summary h2{margin:0 0 8px;font-size:24px}
.error{color:#d5281b;font-weight:700}
.warning{border-left:8px solid #ffeb3b;background:#fff9c4;padding:12px 16px;margin-bottom:16px}
footer{border-top:4px solid #005eb8;background:#fff;padding:24px 0;font-size:16px;color:#4c6272}
`;

/** An NHS-styled page: header, main content, footer; styles inline (no external assets) under a CSP nonce. */
function page(title: string, body: string): { html: string; nonce: string } {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – JoinedUp</title>
<style nonce="${nonce}">${CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header role="banner"><div class="container"><span class="logo" aria-hidden="true">NHS</span><span class="service">JoinedUp shared care record</span></div></header>
<main id="main" class="container" role="main">
${body}
</main>
<footer role="contentinfo"><div class="container">Access to records is audited. Use this service only to care for the people you are looking after.</div></footer>
</body>
</html>`;
  return { html, nonce };
}

function errorSummary(error: string | undefined): string {
  if (!error) return '';
  return `<div class="error-summary" role="alert" aria-labelledby="error-title" tabindex="-1">
<h2 id="error-title">There is a problem</h2><p class="error">${escapeHtml(error)}</p></div>`;
}

interface View {
  uid: string;
  basePath: string;
  csrf: string;
  clientName: string;
}

const csrfField = (v: View) => `<input type="hidden" name="csrf" value="${escapeHtml(v.csrf)}">`;
const action = (v: View, step: string) => `${v.basePath}/${encodeURIComponent(v.uid)}/${step}`;

function cancelForm(v: View): string {
  return `<form method="post" action="${action(v, 'cancel')}">${csrfField(v)}<button type="submit" class="link">Cancel and go back to ${escapeHtml(v.clientName)}</button></form>`;
}

function roleLabel(roleCode: string): string {
  const name = ROLE_NAMES[roleCode];
  return name ? `${name} (${roleCode})` : roleCode;
}

function renderSignIn(v: View, users: UserDirectory, error?: string) {
  const demo = users.isDemo
    ? `<h2 id="demo-staff">Demo staff</h2>
<div class="warning"><strong>Demo mode.</strong> These people are made up; choose one to sign in without a password.</div>
<form method="post" action="${action(v, 'login')}" aria-labelledby="demo-staff">${csrfField(v)}
<ul class="users">${users.demoStaff
        .map(
          (u) =>
            `<li><button type="submit" class="secondary" name="demo_user" value="${escapeHtml(u.id)}">${escapeHtml(u.name)}</button><span>${escapeHtml(u.description ?? '')} · ${u.roleProfiles
              .map((r) => escapeHtml(r.organisation.name))
              .join(', ')}</span></li>`,
        )
        .join('\n')}</ul></form>
<h2 id="demo-patients">Demo patients</h2>
<p>Sign in as a patient, as NHS login would at identity proofing level P9.</p>
${
  users.demoPatients.length
    ? `<form method="post" action="${action(v, 'login')}" aria-labelledby="demo-patients">${csrfField(v)}<ul class="users">${users.demoPatients
        .map(
          (p) =>
            `<li><button type="submit" class="secondary" name="patient_nhs_number" value="${escapeHtml(p.nhsNumber)}">${escapeHtml(p.name)}</button></li>`,
        )
        .join('')}</ul></form>`
    : ''
}
<form method="post" action="${action(v, 'login')}">${csrfField(v)}
<div class="field"><label for="patient_nhs_number">NHS number</label>
<p class="hint" id="patient-hint">10 digits, for example 999 000 0018</p>
<input type="text" id="patient_nhs_number" name="patient_nhs_number" inputmode="numeric" autocomplete="off" aria-describedby="patient-hint"></div>
<button type="submit">Sign in as this patient</button></form>`
    : '';
  return page(
    'Sign in',
    `${errorSummary(error)}<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(v.clientName)}</strong></p>
<div class="panel"><form method="post" action="${action(v, 'login')}">${csrfField(v)}
<div class="field"><label for="username">User name</label>
<input type="text" id="username" name="username" autocomplete="username" spellcheck="false"></div>
<div class="field"><label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password"></div>
<button type="submit">Sign in</button></form></div>
${demo}
${cancelForm(v)}`,
  );
}

function renderRoleChoice(v: View, user: StaffUser, error?: string) {
  return page(
    'Choose your role',
    `${errorSummary(error)}<h1>Choose the role you are working in</h1>
<p>You are signed in as <strong>${escapeHtml(user.name)}</strong>.</p>
<div class="panel"><form method="post" action="${action(v, 'role')}">${csrfField(v)}
<fieldset><legend>Role</legend>
${user.roleProfiles
  .map(
    (r, i) =>
      `<label class="radio" for="role-${i}"><input type="radio" id="role-${i}" name="role_profile" value="${escapeHtml(r.id)}"${i === 0 ? ' checked' : ''}>${escapeHtml(roleLabel(r.roleCode))} at ${escapeHtml(r.organisation.name)} (${escapeHtml(r.organisation.odsCode)})</label>`,
  )
  .join('\n')}
</fieldset>
<button type="submit">Continue</button></form></div>
${cancelForm(v)}`,
  );
}

function renderPatientChoice(v: View, user: StaffUser, error?: string) {
  return page(
    'Choose a patient',
    `${errorSummary(error)}<h1>Which patient?</h1>
<p><strong>${escapeHtml(v.clientName)}</strong> opens one patient's record. You are signed in as <strong>${escapeHtml(user.name)}</strong>.</p>
<div class="panel"><form method="post" action="${action(v, 'patient')}">${csrfField(v)}
<div class="field"><label for="nhs_number">NHS number</label>
<p class="hint" id="nhs-hint">10 digits, for example 999 000 0018</p>
<input type="text" id="nhs_number" name="nhs_number" inputmode="numeric" autocomplete="off" aria-describedby="nhs-hint"></div>
<button type="submit">Continue</button></form></div>
${cancelForm(v)}`,
  );
}

/** A page with a heading, a sentence, and optionally oidc-provider's hidden form with buttons for it. */
export function renderMessagePage(
  title: string,
  text: string,
  options: {
    form?: string;
    buttons?: { form: string; name?: string; value?: string; label: string; secondary?: boolean }[];
  } = {},
): { html: string; nonce: string } {
  const buttons = (options.buttons ?? [])
    .map(
      (b) =>
        `<button type="submit" form="${escapeHtml(b.form)}"${b.name ? ` name="${escapeHtml(b.name)}" value="${escapeHtml(b.value ?? '')}"` : ''}${b.secondary ? ' class="secondary"' : ''}>${escapeHtml(b.label)}</button>`,
    )
    .join('');
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${options.form ?? ''}${buttons}`);
}

const ERROR_TEXT: Record<string, string> = {
  invalid_client: 'The app that sent you here is not registered with this service.',
  invalid_redirect_uri: 'The app that sent you here gave an address this service does not know.',
  invalid_request: 'The app that sent you here made a request this service cannot accept.',
  invalid_scope: 'The app that sent you here asked for access it is not allowed.',
  access_denied: 'Access was not given.',
};

/** The page for an error oidc-provider cannot redirect back to the app (an unknown client or redirect URI). */
export function renderErrorPage(error: string, description?: string): string {
  const text = ERROR_TEXT[error] ?? 'Something went wrong. Go back to the app and try again.';
  const detail = description && error !== 'server_error' ? ` (${description})` : '';
  return renderMessagePage('Sorry, you cannot sign in here', `${text}${detail}`).html;
}
