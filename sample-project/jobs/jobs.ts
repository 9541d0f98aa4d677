// jobs: an evQueue-style job queue. Pages that speak evQueue's WebSocket
// protocol (evQueueCluster of /websockets/v4/evqueue.js, or pages written for
// evQueue's own classes) launch jobs and list instances here: this script
// plays the engine, public/jobs.html is its page.
//
// A job only waits: it runs for `seconds`, then ends (with errors="1" when
// its name has "fail" in it, to show a failed job). Launching one raises
// INSTANCE_STARTED, its end (or a kill) INSTANCE_TERMINATED, a delete
// INSTANCE_REMOVED. An evQueue event carries no payload: each page subscribed
// to it gets the result of its own API command again (here `instances list`),
// run for it through onApi below, on every node of the cluster.
//
// API (group action, attributes; `seconds` may also be a <parameter>):
//   instances list                           → an <instance/> per job, newest first
//   instance  launch name="…" [seconds="3"]  → <response instance-id="…"/>
//   instance  query  id="…"                  → that job's <instance/>
//   instance  kill   id="…"                  → ends a running job now (errors="1")
//   instance  delete id="…"                  → removes an ended job from the list
// Bad input is answered with status="KO" and an error-code (ApiError).
//
// The jobs live in this module's memory: an edit of this file (a reload)
// starts with an empty list, and each node of a cluster keeps its own jobs
// (as each evQueue engine does); the events reach every node's pages.
//
// Sign-in is off: this module exports no onAuth, so every connection gets the
// profile ADMIN. To turn it on, export onAuth and keep the password's SHA1 in
// the operator's configuration, never in the project's files:
//
//   aerostat serve sample-project --config JOBS_ADMIN_SHA1=env:JOBS_ADMIN_SHA1
//
//   import { get } from "core/v4/configurations";
//   export const onAuth: AerostatHandler.OnEvqAuth = (user) => {
//     const passwordSha1 = get("JOBS_ADMIN_SHA1"); // 40 hex digits: SHA1 of the password
//     return user === "admin" && passwordSha1 ? { passwordSha1, profile: "ADMIN" } : null;
//   };
//
// and the page signs in with evQueueWS.credentials = { user: "admin",
// passwordSha1: await evQueueWS.hashPassword(password) } before connecting.
import { ApiError, createEvent, type NodeInput, type Query } from "net/v4/evqueue";

type Status = "EXECUTING" | "TERMINATED";

interface Job {
  readonly id: number;
  readonly name: string;
  readonly seconds: number;
  status: Status;
  readonly started: string;
  ended: string;
  /** 0: ended well; 1: killed, or a name with "fail" in it. */
  errors: number;
  timer: number | undefined;
}

/** Jobs kept in the list; past it, the oldest ended ones go. */
const MAX_KEPT = 200;
/** Jobs running at once; a launch past it is refused. */
const MAX_RUNNING = 50;
/** How long a job may run, in seconds. */
const MAX_SECONDS = 600;
const DEFAULT_SECONDS = 3;
const NAME = /^[\w .-]{1,64}$/;

/** The jobs since this module loaded, by id, in launch order. */
const jobs = new Map<number, Job>();
let nextId = 1;

/** evQueue's time format: "YYYY-MM-DD hh:mm:ss" (UTC). */
const now = () => new Date().toISOString().replace("T", " ").slice(0, 19);

function instance(job: Job): NodeInput {
  return {
    name: "instance",
    attributes: {
      id: job.id,
      name: job.name,
      status: job.status,
      seconds: job.seconds,
      start_time: job.started,
      end_time: job.ended,
      errors: job.errors,
    },
  };
}

/** The job the command's id attribute names. */
function find(query: Query): Job {
  const raw = query.attributes.id;
  if (raw === undefined || raw === "") throw new ApiError("INVALID_PARAMETER", `instance ${query.action} needs an id attribute: the instance's number`);
  const job = jobs.get(Number(raw));
  if (!job) throw new ApiError("UNKNOWN_INSTANCE", `there is no instance ${raw} (deleted, or from before a reload)`);
  return job;
}

function finish(job: Job, errors: number): void {
  clearTimeout(job.timer);
  job.timer = undefined;
  job.status = "TERMINATED";
  job.ended = now();
  job.errors = errors;
  createEvent("INSTANCE_TERMINATED", job.id);
}

function secondsOf(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return DEFAULT_SECONDS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_SECONDS) {
    throw new ApiError("INVALID_PARAMETER", `seconds must be a number from 0 to ${MAX_SECONDS}, such as 2.5; got "${text.slice(0, 40)}"`);
  }
  return seconds;
}

function launch(query: Query): NodeInput {
  const name = query.attributes.name ?? "";
  if (!NAME.test(name)) {
    throw new ApiError("INVALID_PARAMETER", `a job's name is 1 to 64 letters, digits, spaces, ".", "_" or "-"; got "${name.slice(0, 80)}"`);
  }
  const seconds = secondsOf(query.parameters.seconds ?? query.attributes.seconds);
  const running = [...jobs.values()].filter((j) => j.status === "EXECUTING").length;
  if (running >= MAX_RUNNING) throw new ApiError("TOO_MANY_INSTANCES", `${running} jobs are running, the most this sample runs at once; kill one or wait`);

  const job: Job = { id: nextId++, name, seconds, status: "EXECUTING", started: now(), ended: "", errors: 0, timer: undefined };
  jobs.set(job.id, job);
  job.timer = setTimeout(() => finish(job, name.includes("fail") ? 1 : 0), seconds * 1000);
  for (const old of jobs.values()) {
    if (jobs.size <= MAX_KEPT) break;
    if (old.status === "TERMINATED") jobs.delete(old.id);
  }
  createEvent("INSTANCE_STARTED", job.id);
  // evQueue answers a launch with the new instance's id on the response itself.
  return { name: "response", attributes: { "instance-id": job.id } };
}

/** A command from a page, or a subscription's command re-run for an event. */
export const onApi: AerostatHandler.OnEvqApi = (query) => {
  const command = `${query.group} ${query.action}`;
  switch (command) {
    case "instances list":
      return [...jobs.values()].reverse().map(instance);
    case "instance launch":
      return launch(query);
    case "instance query":
      return instance(find(query));
    case "instance kill": {
      const job = find(query);
      if (job.status !== "EXECUTING") throw new ApiError("INSTANCE_NOT_RUNNING", `instance ${job.id} has already ended`);
      finish(job, 1);
      return;
    }
    case "instance delete": {
      const job = find(query);
      if (job.status === "EXECUTING") throw new ApiError("INSTANCE_RUNNING", `instance ${job.id} is still running; kill it first`);
      jobs.delete(job.id);
      createEvent("INSTANCE_REMOVED", job.id);
      return;
    }
    default:
      throw new ApiError("UNKNOWN_COMMAND", `no command "${command}" here: try instances list, or instance launch, query, kill or delete`);
  }
};
