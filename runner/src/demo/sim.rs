//! The simulation loop: a virtual clock steps through each day (every 15 minutes in working hours,
//! every hour on weekends and holidays, jumping over nights). Each step the worker runs due
//! timers and actions, partners and customers send their signals, new orders arrive, people work
//! the queue, and the orders something happened to are looked at for new waits.

use super::actions::{self, Shared, lock};
use super::catalog::Catalog;
use super::forms::{self, Decision};
use super::rng::Rng;
use super::staff::{Person, base_minutes, roster};
use super::values::Sample;
use super::world::{self, Arrival, World};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use junro_engine::calendar::Calendar;
use junro_engine::clock::VirtualClock;
use junro_engine::machine::{Actor, Command, CommandError};
use junro_engine::store::{TaskFilter, TaskRow};
use junro_engine::{Engine, EngineError, StartOrder};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Orders per working day.
pub(crate) const PER_DAY: f64 = 130.0;
/// Share of orders the customer cancels.
const CANCEL_RATE: f64 = 0.05;

/// What people did.
#[derive(Debug, Default)]
pub(crate) struct Work {
    /// Tasks completed.
    pub(crate) completed: u64,
    /// Send-backs (差戻し).
    pub(crate) sent_back: u64,
    /// Tasks withdrawn while someone worked them (the order moved on or was cancelled).
    pub(crate) withdrawn: u64,
    /// Commands the engine refused (a bug in the simulation), with the first reason.
    pub(crate) refused: u64,
    /// The first refusal.
    pub(crate) first_refusal: Option<String>,
}

struct Desk {
    person: Person,
    busy_until: Timestamp,
    task: Option<TaskRow>,
}

/// The simulated month.
pub(crate) struct Sim<'a> {
    engine: &'a Engine,
    clock: &'a VirtualClock,
    catalog: &'a Catalog,
    shared: Arc<Mutex<Shared>>,
    calendar: Calendar,
    seed: u64,
    rng: Rng,
    desks: Vec<Desk>,
    admin: Actor,
    /// The outside world.
    pub(crate) world: World,
    /// Root orders: id → (business key, day entered).
    roots: BTreeMap<String, (String, Date)>,
    /// Subflow orders whose tasks people worked: id → sample key.
    children: BTreeMap<String, String>,
    /// What people did.
    pub(crate) work: Work,
    /// Orders started.
    pub(crate) started: usize,
    print_started: bool,
    /// Tells people at each simulated moment (`junro demo --smtp`).
    pub(crate) notify: Option<&'a crate::serve::state::AppState>,
}

impl<'a> Sim<'a> {
    /// A simulation over `engine`, whose clock is `clock`.
    pub(crate) fn new(
        engine: &'a Engine,
        clock: &'a VirtualClock,
        catalog: &'a Catalog,
        shared: Arc<Mutex<Shared>>,
        calendar: Calendar,
        seed: u64,
        print_started: bool,
    ) -> Sim<'a> {
        let start = clock_now(clock);
        let desks = roster().into_iter().map(|person| Desk { person, busy_until: start, task: None }).collect();
        let mut admin = Actor::person("admin", &[], None);
        admin.admin = true;
        Sim {
            engine,
            clock,
            catalog,
            shared,
            calendar,
            seed,
            rng: Rng::keyed(seed, &["simulation"]),
            desks,
            admin,
            world: World::default(),
            roots: BTreeMap::new(),
            children: BTreeMap::new(),
            work: Work::default(),
            started: 0,
            print_started,
            notify: None,
        }
    }

    /// Simulates one calendar day.
    pub(crate) async fn day(&mut self, date: Date, out: &mut impl Write) -> anyhow::Result<()> {
        let working = self.calendar.is_working_day(date);
        let mut arrivals = world::arrivals(date, working, PER_DAY, self.catalog, &mut self.rng).into_iter().peekable();
        let (first, last, step) = if working { (8, 19, 15) } else { (8, 20, 60) };
        let mut number = 0;
        let mut now = world::at(date, first, 0);
        let end = world::at(date, last, 0);
        self.world.recheck(now);
        while now <= end {
            self.clock.set(now);
            self.step(now).await?;
            while let Some(arrival) = arrivals.next_if(|a| a.at <= now) {
                number += 1;
                self.arrive(arrival, date, number, now, out).await?;
            }
            if working {
                self.staff(now).await?;
            }
            self.world.look(self.engine, self.catalog, &self.shared, &mut self.rng, now).await?;
            let Ok(next) = now.checked_add(SignedDuration::from_mins(step)) else { break };
            now = next;
        }
        Ok(())
    }

    /// The worker, the partners' signals and the customers' cancellations.
    async fn step(&mut self, now: Timestamp) -> anyhow::Result<()> {
        // Automatic steps follow each other within seconds: run until nothing is due.
        for _ in 0..20 {
            if self.engine.run_due().await? == 0 {
                break;
            }
        }
        let touched = std::mem::take(&mut lock(&self.shared).touched);
        for order in touched {
            self.world.touch(&order, now);
        }
        self.world.deliver(self.engine, now).await?;
        self.world.cancel(self.engine, &self.admin, self.catalog, now).await?;
        if let Some(state) = self.notify {
            crate::serve::worker::notify_now(state).await.map_err(|e| anyhow::anyhow!("telling people: {e}"))?;
        }
        Ok(())
    }

    async fn arrive(
        &mut self,
        arrival: Arrival,
        date: Date,
        number: usize,
        now: Timestamp,
        out: &mut impl Write,
    ) -> anyhow::Result<()> {
        let Some(info) = self.catalog.flows.get(&arrival.flow) else { return Ok(()) };
        let key = format!("ORD-{}-{number:04}", date.strftime("%Y%m%d"));
        let sample = Sample::new(self.seed, &key, date);
        let data = forms::start_data(info, &sample, &mut self.rng);
        let order = StartOrder {
            business_key: Some(key.clone()),
            data,
            vendor: arrival.vendor.map(str::to_string),
            channel: info.flow.channel.clone(),
            received_at: Some(arrival.received),
        };
        let id = match self.engine.start(&arrival.flow, order).await {
            Ok(id) => id,
            Err(EngineError::Command(e)) => {
                self.refused(format!("start {key} ({}): {e}", arrival.flow));
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        if self.print_started {
            writeln!(out, "started {key} {id}")?;
            out.flush()?;
        }
        self.started += 1;
        if info.has_signal_wait {
            self.world.watch(&id, now);
        }
        if self.rng.chance(CANCEL_RATE) {
            let later = now
                .checked_add(SignedDuration::from_secs((self.rng.between(0.1, 8.0) * 86_400.0) as i64))
                .unwrap_or(now);
            self.world.cancel_later(&id, later);
        }
        lock(&self.shared).roots.insert(id.clone(), id.clone());
        self.roots.insert(id, (key, date));
        Ok(())
    }

    fn refused(&mut self, message: String) {
        self.work.refused += 1;
        self.work.first_refusal.get_or_insert(message);
    }

    /// People finish what they hold and take the next task, in a random order each step (so
    /// that no vendor is always first at the queue). Nobody starts a task after 17:45.
    async fn staff(&mut self, now: Timestamp) -> Result<(), EngineError> {
        let hour = now.to_zoned(world::tokyo()).time();
        let shift = hour >= jiff::civil::time(9, 0, 0, 0) && hour < jiff::civil::time(17, 45, 0, 0);
        let mut order: Vec<usize> = (0..self.desks.len()).collect();
        for i in (1..order.len()).rev() {
            let j = self.rng.range(0, i as i64) as usize;
            order.swap(i, j);
        }
        for &i in &order {
            if self.desks[i].busy_until <= now
                && let Some(task) = self.desks[i].task.take()
            {
                self.finish(i, task, now).await?;
            }
        }
        if !shift {
            return Ok(());
        }
        // The queue as it stands: nobody asks for work when there is none they may take.
        let filter = TaskFilter { unclaimed: true, limit: Some(u32::MAX), ..TaskFilter::default() };
        let mut queue = self.engine.tasks(&filter).await?;
        for i in order {
            let actor = &self.desks[i].person.actor;
            let open = |t: &TaskRow| {
                actor.roles.contains(&t.role)
                    && (t.vendor.is_none() || actor.vendor.is_none() || t.vendor == actor.vendor)
            };
            if self.desks[i].task.is_some() || !queue.iter().any(open) {
                continue;
            }
            let actor = actor.clone();
            let Some(task) = self.engine.take_next(&actor).await? else { continue };
            queue.retain(|t| (&t.order, t.instance) != (&task.order, task.instance));
            let minutes = self.minutes(&task) * self.desks[i].person.speed * self.rng.spread();
            self.desks[i].busy_until =
                now.checked_add(SignedDuration::from_secs((minutes * 60.0) as i64)).unwrap_or(now);
            if self.catalog.flows.get(&task.flow).is_some_and(|f| f.flow.is_subflow)
                && !self.children.contains_key(&task.order)
            {
                let key = format!("SUB-{:05}", self.children.len() + 1);
                self.children.insert(task.order.clone(), key);
            }
            self.desks[i].task = Some(task);
        }
        Ok(())
    }

    fn minutes(&self, task: &TaskRow) -> f64 {
        let spec = self.catalog.flows.get(&task.flow).and_then(|f| f.task(&task.step));
        spec.map_or(15.0, |s| {
            base_minutes(s.lane.back, &s.lane.id, s.require.len() + s.edit.len() / 2, s.outcomes.len())
        })
    }

    fn sample(&self, order: &str, now: Timestamp) -> Sample {
        match (self.roots.get(order), self.children.get(order)) {
            (Some((key, date)), _) => Sample::new(self.seed, key, *date),
            (None, Some(key)) => Sample::new(self.seed, key, now.to_zoned(world::tokyo()).date()),
            (None, None) => Sample::new(self.seed, order, now.to_zoned(world::tokyo()).date()),
        }
    }

    /// Completes (or sends back) the task desk `i` worked on.
    async fn finish(&mut self, i: usize, task: TaskRow, now: Timestamp) -> Result<(), EngineError> {
        let catalog = self.catalog;
        let Some(info) = catalog.flows.get(&task.flow) else { return Ok(()) };
        let Some(spec) = info.task(&task.step) else { return Ok(()) };
        let sample = self.sample(&task.order, now);
        let root = actions::root_of(self.engine, &self.shared, &task.order).await?;
        let flawed = lock(&self.shared).flawed.contains(&root);
        let person = &self.desks[i].person;
        let (actor, error) = (person.actor.clone(), person.error);
        // A front operator keys the order in (an intake-like task): sometimes with a mistake.
        let keying = !spec.lane.back
            && spec.outcomes.is_empty()
            && actor.vendor.is_some()
            && spec.edit.iter().any(|f| !f.ends_with("_note"));
        let mistake = keying && self.rng.chance(error);
        let worker = forms::Worker { error, mistake, flawed };
        let decision = forms::decide(info, spec, &sample, &worker, now, &mut self.rng);
        let sending_back = matches!(decision, Decision::SendBack(_));
        let result = match decision {
            Decision::SendBack(to) => {
                let reason = "入力内容に誤りがあるため差戻し".to_string();
                self.engine.apply(&task.order, &actor, Command::SendBack { task: task.instance, to, reason }).await
            }
            Decision::Complete(outcome, form) => {
                self.engine.complete(&task.order, task.instance, &actor, outcome.as_deref(), form).await
            }
        };
        match result {
            Ok(()) => {
                if sending_back {
                    self.work.sent_back += 1;
                } else {
                    self.work.completed += 1;
                }
                // A wrong entry makes lookups go wrong too (an address that does not match, a
                // customer keyed as new who exists) until a reviewer sends it back.
                if keying {
                    let mut shared = lock(&self.shared);
                    if mistake {
                        shared.flawed.insert(root);
                    } else {
                        shared.flawed.remove(&root);
                    }
                }
                // The order may now wait for a signal; a subflow may have ended and moved its caller.
                if info.waits_after.contains(&task.step) || info.flow.is_subflow {
                    self.world.touch(&task.order, now);
                }
            }
            Err(EngineError::Command(
                CommandError::NoSuchTask(_)
                | CommandError::Closed(_)
                | CommandError::OnHold(_)
                | CommandError::NotEligible { .. },
            )) => self.work.withdrawn += 1,
            Err(EngineError::Command(e)) => self.refused(format!("{} {} by {}: {e}", task.flow, task.step, actor.id)),
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

fn clock_now(clock: &VirtualClock) -> Timestamp {
    junro_engine::clock::Clock::now(clock)
}
