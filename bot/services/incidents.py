"""Incidents: many residents' reports of one fault handled as one. The lead item (the
first report) carries the owner and the promises; the others follow it, so each update
and the result reach every reporter, and each reporter is followed up on their own item.
The desk is offered the link when the policy's number of reports arrive in time; staff can
also link items by hand, and unlink them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.incidents import IncidentStatus, Report, offer_due, window_of
from bot.domain.item import Item
from bot.domain.lifecycle import Action
from bot.domain.routing import fallback_desk
from bot.domain.tickets import OPEN_STATUSES, EventKind, TicketFacts, TicketStatus
from bot.services import followup
from bot.services.actions import ActionContext, ItemContext, Refused
from bot.services.clocks import due_times, new_due_told
from bot.services.notices import Notice, Value, staff_card, to_resident, with_buttons
from bot.views.incidents import link_button
from storage.models import Incident, Ticket
from storage.repositories.incidents import IncidentRepository


def repository(ctx: ItemContext) -> IncidentRepository:
    return IncidentRepository(ctx.uow.session)


async def _report(repo: IncidentRepository, ticket: Ticket, linked: bool = False) -> Report:
    return Report(
        ticket.id,
        await repo.building_of(ticket.unit_id),
        ticket.category,
        ticket.created_at,
        TicketStatus(ticket.status),
        linked,
    )


# --- after filing ------------------------------------------------------------------------
async def after_filing(ctx: ItemContext, ticket: Ticket, item: TicketFacts | None = None) -> None:
    """A planned works' or outage's fault reported meanwhile: the resident hears it is known,
    and the item joins the notice's incident. A fault whose reports the desk has linked
    already: the item joins their incident. Otherwise, enough reports of one fault in one
    building in time: the desk is offered to link them (`offer_due`). `item`: the new item as
    screens read it, if the caller has it (filing does)."""
    if ticket.estate_id is None or ticket.category is None or ticket.resident_id is None:
        return
    repo = repository(ctx)
    building = await repo.building_at(ticket.unit_id)
    if building is None:
        return
    status = TicketStatus(ticket.status)
    report = Report(ticket.id, building.id, ticket.category, ticket.created_at, status)
    known = await repo.active_notices(ticket.estate_id, building, ticket.category, ctx.now)
    if known:
        await _join_known(ctx, ticket, known[0].id, known[0].ends_at)
        return
    within = ctx.policy.incidents.within
    window = window_of(report, within)
    if window is None:
        return
    found = (await repo.tally(ticket.estate_id, window)).with_new()
    joined = found.latest_linked
    incident = await repo.of_ticket(joined) if joined is not None else None
    if incident is not None:
        await _attach(ctx, incident, [ticket], staff_id=None)
        return
    if not offer_due(found, ctx.policy.incidents.reports):
        return
    staff = await ctx.staff(ticket)
    desk = (
        [ticket.owner_staff_id]
        if ticket.owner_staff_id is not None
        else [p.id for p in fallback_desk(staff, ctx.policy.ownership.rule, ticket.zone)]
    )
    offer = [
        with_buttons(
            staff_card(
                i, ticket.id, "notice.incident_offer", count=str(found.count), within=within
            ),
            link_button(ticket.id),
        )
        for i in desk
    ]
    await ctx.notifier.tell(offer, ctx.now, item=item)


async def _join_known(
    ctx: ItemContext, ticket: Ticket, notice_id: int, until: datetime | None
) -> None:
    repo = repository(ctx)
    incident = await repo.open_for(notice_id)
    if incident is None:
        incident = await repo.create(
            estate_id=ticket.estate_id or 0,
            building_id=await repo.building_of(ticket.unit_id),
            category=ticket.category,
            lead_ticket_id=None,
            staff_id=None,
            now=ctx.now,
            notice_id=notice_id,
        )
    told = [to_resident(ticket.id, "resident.known_issue", until=until or ctx.now)]
    await _attach(ctx, incident, [ticket], staff_id=None, told=told)


# --- linking ----------------------------------------------------------------------------
async def link_offered(ctx: ActionContext, ticket_id: int) -> tuple[str, int]:
    """The desk took the offer: the fault's open reports filed within the policy's window
    before this one (and any since) become one incident. The lead's reference, and how many
    items the incident now holds."""
    ticket = await ctx.load(ticket_id, Action.TRANSFER)
    repo = repository(ctx)
    report = await _report(repo, ticket)
    if report.building_id is None or ticket.category is None or ticket.estate_id is None:
        raise Refused("link")
    within = ctx.policy.incidents.within
    others = await repo.reports(
        ticket.estate_id, report.building_id, ticket.category, ticket.created_at - within, ctx.now
    )
    ids = [r.id for r in others if r.status in OPEN_STATUSES]
    return await link(ctx, ids)


async def link(ctx: ActionContext, ticket_ids: Sequence[int]) -> tuple[str, int]:
    """Link these items into one incident: the one some of them are in already, else a new
    one led by the first report. Refused for fewer than two items the reader may work on."""
    tickets = [await ctx.load(i, Action.TRANSFER) for i in dict.fromkeys(ticket_ids)]
    if len(tickets) < 2 or len({t.estate_id for t in tickets}) != 1:
        raise Refused("link")
    repo = repository(ctx)
    incident: Incident | None = None
    for ticket in tickets:
        incident = incident or await repo.of_ticket(ticket.id)
    if incident is not None and incident.status != IncidentStatus.OPEN:
        # An item stays in the incident it was resolved with: only the others can form one.
        tickets = [t for t in tickets if await repo.of_ticket(t.id) is None]
        if len(tickets) < 2:
            raise Refused("link")
        incident = None
    if incident is None:
        first = min(tickets, key=lambda t: (t.created_at, t.id))
        incident = await repo.create(
            estate_id=first.estate_id or 0,
            building_id=await repo.building_of(first.unit_id),
            category=first.category,
            lead_ticket_id=first.id,
            staff_id=ctx.me.id,
            now=ctx.now,
        )
    await _attach(ctx, incident, tickets, staff_id=ctx.me.id)
    lead = await ctx.uow.tickets.get(incident.lead_ticket_id or tickets[0].id)
    return (lead.reference if lead else ""), len(await repo.members(incident.id))


async def _attach(
    ctx: ItemContext,
    incident: Incident,
    tickets: Sequence[Ticket],
    *,
    staff_id: int | None,
    told: Sequence[Notice] = (),
) -> None:
    """Each item not yet in an incident joins this one and follows its lead: the lead's
    owner and assignee, the lead's promises (its own alarms stop: the lead's ring); its
    resident hears that the reports are handled together."""
    repo = repository(ctx)
    members = set(await repo.members(incident.id))
    lead: Ticket | None = None
    if incident.lead_ticket_id is None:  # a notice's incident: its first report leads
        lead = min(tickets, key=lambda t: (t.created_at, t.id))
        incident.lead_ticket_id = lead.id
    else:
        lead = await ctx.uow.tickets.get(incident.lead_ticket_id)
    assert lead is not None
    if lead.id not in members:
        await repo.link(incident.id, lead.id, staff_id, ctx.now)
        members.add(lead.id)
        ctx.record(lead, EventKind.LINKED, note=f"#{incident.id}")
        notices = [n for n in told if n.ticket_id == lead.id] or [
            to_resident(lead.id, "resident.incident_linked")
        ]
        await ctx.notifier.tell(notices, ctx.now)
    for ticket in tickets:
        if ticket.id in members:
            continue
        if await repo.of_ticket(ticket.id) is not None:
            continue  # in another incident: unlink it there first
        await repo.link(incident.id, ticket.id, staff_id, ctx.now)
        members.add(ticket.id)
        ticket.owner_staff_id = lead.owner_staff_id or ticket.owner_staff_id
        ticket.assignee_staff_id = lead.assignee_staff_id
        ticket.first_answer_due_at = lead.first_answer_due_at
        ticket.resolve_due_at = lead.resolve_due_at
        ctx.record(ticket, EventKind.LINKED, note=lead.reference)
        notices = [n for n in told if n.ticket_id == ticket.id] or [
            to_resident(ticket.id, "resident.incident_linked")
        ]
        await ctx.done(ticket, notices)  # an open follower's own alarms stop (clocks.replan)


async def unlink(ctx: ActionContext, ticket_id: int) -> str:
    """The item is handled on its own again (its own alarms back); the lead cannot leave
    its incident while others follow it. The reference of the lead it left."""
    ticket = await ctx.load(ticket_id, Action.TRANSFER)
    repo = repository(ctx)
    incident = await repo.of_ticket(ticket.id)
    if incident is None or incident.lead_ticket_id == ticket.id:
        raise Refused("unlink")
    lead = await ctx.uow.tickets.get(incident.lead_ticket_id or 0)
    await repo.unlink(ticket.id)
    ctx.record(ticket, EventKind.UNLINKED, note=lead.reference if lead else None)
    await ctx.done(ticket, [])
    return lead.reference if lead else ""


# --- what the lead's changes do to the others ---------------------------------------------
async def _followers(ctx: ItemContext, lead: Ticket) -> list[Ticket]:
    repo = repository(ctx)
    incident = await repo.of_ticket(lead.id)
    if incident is None or incident.lead_ticket_id != lead.id:
        return []
    found = []
    for ticket_id in await repo.members(incident.id):
        if ticket_id == lead.id:
            continue
        ticket = await ctx.uow.tickets.get(ticket_id, for_update=True)
        if ticket is not None and ticket.status in OPEN_STATUSES:
            found.append(ticket)
    return found


async def spread_reply(ctx: ActionContext, lead: Ticket, text: str) -> None:
    """A reply on the lead reaches every reporter, each about their own item."""
    for ticket in await _followers(ctx, lead):
        Item.of(ticket).answer(ctx.now)
        ctx.record(ticket, EventKind.REPLIED, note=text)
        notice = to_resident(ticket.id, "resident.staff_reply", text=text, **ctx.signature())
        await ctx.notifier.tell([notice], ctx.now)


async def spread_word(ctx: ActionContext, lead: Ticket, key: str, **values: Value) -> None:
    """What the lead's resident hears of its progress (taken on, on hold until a day), every
    reporter hears about their own item: one fault, one story."""
    for ticket in await _followers(ctx, lead):
        await ctx.notifier.tell([to_resident(ticket.id, key, **values)], ctx.now)


async def spread_promises(ctx: ActionContext, lead: Ticket) -> None:
    """The incident has one set of promises: when the lead's change (a reclassification,
    an approved extension), each reporter's item takes them and its resident hears the new
    date, as the lead's does."""
    for ticket in await _followers(ctx, lead):
        before = due_times(ticket)
        ticket.first_answer_due_at = lead.first_answer_due_at
        ticket.resolve_due_at = lead.resolve_due_at
        told = new_due_told(ticket, before)
        if told:
            await ctx.done(ticket, told)


async def resolve_linked(ctx: ActionContext, lead: Ticket, result: str) -> None:
    """The lead's result resolves the incident: every linked item is resolved with it, each
    reporter hears the result about their own item and gets their own follow-up."""
    repo = repository(ctx)
    incident = await repo.of_ticket(lead.id)
    if incident is None or incident.lead_ticket_id != lead.id:
        return
    for ticket in await _followers(ctx, lead):
        ctx.record(ticket, EventKind.RESOLVED, status=TicketStatus.RESOLVED, note=result)
        Item.of(ticket).resolved(ctx.now)
        result_told = to_resident(ticket.id, "resident.resolved", text=result)
        await ctx.done(ticket, await followup.told(ctx, ticket, result_told))
    incident.status = IncidentStatus.RESOLVED.value
    incident.resolved_at = ctx.now
