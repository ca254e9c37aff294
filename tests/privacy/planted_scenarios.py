"""Everyday situations in which people hand an assistant their personal details (planted-PII corpus).

Each scenario writes one multi-turn conversation into ``conv`` and records every planted string with
``conv.pii(kind, text)``. Assistants sometimes repeat details back (drafted letters, confirmations), as
real ones do. Non-personal specifics (prices, dates, flight numbers, public sites) are left in on purpose
so that precision is measured on realistic text.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from planted_ids import (
    Person,
    Planted,
    card,
    driver_license,
    iban,
    ip_address,
    new_person,
    nhs,
    passport,
    ssn,
)


def _name(conv: Planted, p: Person) -> str:
    return conv.pii("PERSON", p.full)


def job_application(conv: Planted, rng: random.Random) -> None:
    me, manager = new_person(rng), new_person(rng)
    email, phone = conv.pii("EMAIL", me.email()), conv.pii("PHONE", me.phone())
    url = conv.pii("URL", me.url())
    conv.user(f"Can you help me write a cover letter for a junior data analyst role? I'm {_name(conv, me)}, "
              f"two years of Excel and SQL at a logistics firm."
              f" The hiring manager is {_name(conv, manager)}.")
    conv.assistant("Happy to help. What would you like to emphasise, and how should the letter sign off?")
    conv.user(f"Emphasise the dashboard I built that cut reporting time by 40%. Put my contact details "
              f"at the bottom: {email}, {phone}, and my profile {url}")
    conv.assistant(f"Dear {manager.full},\n\nI am writing to apply for the Junior Data Analyst position. "
                   f"In my current role I built a dashboard that cut weekly reporting time by 40%...\n\n"
                   f"Kind regards,\n{me.full}\n{email} | {phone}")
    conv.user("Great, can you make it a bit less formal?")
    conv.assistant("Sure - here is a warmer version that keeps the structure and the 40% result up front.")


def travel_booking(conv: Planted, rng: random.Random) -> None:
    me, partner = new_person(rng), new_person(rng)
    pp1, pp2 = conv.pii("PASSPORT", passport(rng)), conv.pii("PASSPORT", passport(rng))
    conv.user(f"I'm filling in the online check-in for flight BA 287 to San Francisco on 14 March. "
              f"The form wants passport numbers. Mine is {pp1} and my wife {_name(conv, partner)} has "
              f"passport number {pp2}. Is the format right?")
    conv.assistant(f"Both look like valid US passport numbers. Double-check {pp1} against the "
                   f"data page, since a single wrong digit can stop you at the gate.")
    mail, phone = conv.pii("EMAIL", me.email()), conv.pii("PHONE", me.phone())
    conv.user(f"Thanks. The booking is under {_name(conv, me)}, contact {mail} or {phone}. Should I add "
              f"the mobile for SMS updates?")
    conv.assistant("Yes, adding the mobile number means you will get gate changes by text. Check-in opens "
                   "24 hours before departure.")


def landlord_dispute(conv: Planted, rng: random.Random) -> None:
    me, landlord = new_person(rng), new_person(rng)
    addr = conv.pii("STREET_ADDRESS", me.address())
    conv.user(f"My landlord {_name(conv, landlord)} is refusing to return my $1,800 deposit for the flat at "
              f"{addr}. I moved out on 30 June and left it spotless. What can I do?")
    conv.assistant("Most jurisdictions give landlords a fixed period to return a deposit or list "
                   "deductions. A formal demand letter is a good first step. Would you like a draft?")
    lmail = conv.pii("EMAIL", landlord.email())
    conv.user(f"Yes please. His email is {lmail}. My name is {_name(conv, me)}.")
    conv.assistant(f"Dear {landlord.full},\n\nRe: return of security deposit for {addr}\n\nI vacated the "
                   f"property on 30 June and returned all keys. I request the return of my deposit "
                   f"of $1,800 within 14 days.\n\nSincerely,\n{me.full}")


def medical_appointment(conv: Planted, rng: random.Random) -> None:
    me, gp = new_person(rng, uk=True), new_person(rng, uk=True)
    number, phone = conv.pii("NHS", nhs(rng)), conv.pii("PHONE", me.phone())
    conv.user(f"I need to rebook my physio referral. The surgery asked for my NHS number, which is {number}. "
              f"My GP is Dr {_name(conv, gp)}. Can you help me write a short message to the practice?")
    conv.assistant("Of course. Should the message ask for a morning or afternoon slot?")
    addr = conv.pii("STREET_ADDRESS", me.address())
    conv.user(f"Mornings. Also they need my address, it changed to {addr}, and my mobile is {phone}.")
    conv.assistant(f"Hello,\n\nI would like to rebook my physiotherapy referral, ideally a morning "
                   f"appointment. Please note my new address: {addr}. My NHS number is {number}; "
                   f"you can reach me on {phone}.\n\nThank you,\n{_name(conv, me)}")


def bank_dispute(conv: Planted, rng: random.Random) -> None:
    me = new_person(rng)
    cnum, acct = conv.pii("CREDIT_CARD", card(rng)), conv.pii("IBAN", iban(rng))
    conv.user(f"There are two charges of 49.99 from a streaming service I cancelled in January on my Visa "
              f"{cnum}. How do I dispute them?")
    conv.assistant("You can raise a chargeback with your card issuer. Keep the cancellation "
                   "confirmation; the bank will ask for it.")
    conv.user(f"The refund should go to my current account instead, IBAN {acct}. Account holder "
              f"{_name(conv, me)}. Can I ask for that?")
    conv.assistant("Chargebacks are normally credited back to the card that was charged, not to another "
                   "account, so the IBAN will probably not be needed for this dispute.")


def it_support(conv: Planted, rng: random.Random) -> None:
    colleague = new_person(rng)
    ip1, ip2 = conv.pii("IP_ADDRESS", ip_address(rng)), conv.pii("IP_ADDRESS", ip_address(rng))
    conv.user(f"My home VPN drops every few minutes. My public IP is {ip1} and the office gateway is {ip2}. "
              f"I'm on Ubuntu 22.04 with OpenVPN 2.5.")
    conv.assistant("Frequent drops are often keepalive timeouts. Try adding `keepalive 10 60` to the client "
                   "config and check whether your router has SIP ALG or aggressive NAT timeouts enabled.")
    mail = conv.pii("EMAIL", colleague.email())
    conv.user(f"Ok. If that fails I'll forward the logs to {_name(conv, colleague)} in IT ({mail}). "
              f"Anything specific to include?")
    conv.assistant(f"Include the client log with `verb 4`, the time of each drop, and the output of "
                   f"`ip route`. Mention that the drops happen against {ip2}.")


def tax_help(conv: Planted, rng: random.Random) -> None:
    me, spouse = new_person(rng, uk=False), new_person(rng, uk=False)
    s1, s2 = conv.pii("SSN", ssn(rng)), conv.pii("SSN", ssn(rng))
    addr = conv.pii("STREET_ADDRESS", me.address())
    conv.user(f"We're filing jointly for the first time. I'm {_name(conv, me)}, SSN {s1}, and my husband "
              f"{_name(conv, spouse)}'s social security number is {s2}. Which form do we use?")
    conv.assistant("Married couples filing jointly use Form 1040 with both names and both Social Security "
                   "numbers on the same return.")
    conv.user(f"Our address on the return should be {addr}, right? We moved there in August.")
    conv.assistant("Yes, use your current mailing address. If you moved, also file Form 8822 so "
                   "notices reach you.")


def car_insurance(conv: Planted, rng: random.Random) -> None:
    me = new_person(rng, uk=False)
    dl, addr = conv.pii("DRIVER_LICENSE", driver_license(rng)), conv.pii("STREET_ADDRESS", me.address())
    conv.user(f"I'm getting car insurance quotes for a 2018 Honda Civic. They want "
              f"my driver's license number ({dl}) and garaging address ({addr}). Is it safe to give "
              f"these on comparison sites?")
    conv.assistant("Comparison sites need the licence number to pull your driving record. Stick to "
                   "well-known sites and avoid entering it on pages without HTTPS.")
    mail, phone = conv.pii("EMAIL", me.email()), conv.pii("PHONE", me.phone())
    conv.user(f"Should I use my main email {mail} and cell {phone}, or a throwaway?")
    conv.assistant("A separate address is a good idea - comparison sites share leads with many insurers, "
                   "and you may get calls for weeks.")


def school_enrollment(conv: Planted, rng: random.Random) -> None:
    parent = new_person(rng)
    child_first = rng.choice(["Maya", "Leo", "Zara", "Noah", "Ines", "Theo"])
    child = Person(child_first, parent.last, parent.uk, rng)
    addr, phone = conv.pii("STREET_ADDRESS", parent.address()), conv.pii("PHONE", parent.phone())
    conv.user(f"I need to write to the school about enrolling my daughter {_name(conv, child)} in "
              f"Year 3 from September. We live at {addr}. Can you draft it?")
    conv.assistant("Certainly. Would you like to mention anything about her current school or needs?")
    mail = conv.pii("EMAIL", parent.email())
    conv.user(f"She's coming from a school abroad and needs some English support. Sign it from me, "
              f"{_name(conv, parent)}, {phone}, {mail}.")
    conv.assistant(f"Dear Admissions Team,\n\nI would like to enrol my daughter, {child.full}, in "
                   f"Year 3 from September. She is joining from a school abroad and would benefit "
                   f"from English language support.\n\nBest wishes,\n{parent.full}\n{phone}")


def freelance_invoice(conv: Planted, rng: random.Random) -> None:
    me, client = new_person(rng), new_person(rng)
    acct, url = conv.pii("IBAN", iban(rng)), conv.pii("URL", me.url())
    mail = conv.pii("EMAIL", me.email())
    conv.user(f"Make me a simple invoice template for logo design work, 3 rounds of revisions, 650 EUR. Bill "
              f"to {_name(conv, client)}. Payment to IBAN {acct}.")
    conv.assistant(f"INVOICE\nBill to: {client.full}\nDescription: Logo design, 3 revision rounds\nAmount: "
                   f"650.00 EUR\nPayment: bank transfer to {acct}\nTerms: 14 days")
    conv.user(f"Add my name {_name(conv, me)}, portfolio {url} and email {mail} in the header.")
    conv.assistant("Done - the header now carries your name, portfolio link and email, and the footer keeps "
                   "the payment terms.")


def moving_house(conv: Planted, rng: random.Random) -> None:
    me = new_person(rng)
    old, new = conv.pii("STREET_ADDRESS", me.address()), conv.pii("STREET_ADDRESS", me.address())
    conv.user(f"Make me a checklist for moving from {old} to {new} next month. Two adults, one cat.")
    conv.assistant("Here is a checklist: book movers 4 weeks ahead, redirect post, update your address "
                   "with the bank, GP, employer and council, arrange a cat carrier and a quiet room "
                   "on moving day.")
    phone = conv.pii("PHONE", me.phone())
    conv.user(f"Write the text I send to the removals company: my name is {_name(conv, me)}, number {phone}.")
    conv.assistant(f"Hi, this is {me.full}. I'd like a quote for a two-bedroom move from {old} to {new} on a "
                   f"weekday next month. You can reach me on {phone}. Thanks!")


def online_return(conv: Planted, rng: random.Random) -> None:
    me = new_person(rng)
    cnum, addr = conv.pii("CREDIT_CARD", card(rng)), conv.pii("STREET_ADDRESS", me.address())
    conv.user(f"I returned a jacket (order 118-2290) three weeks ago and still no refund to card {cnum}. "
              f"The courier collected it from {addr}.")
    conv.assistant("Retailers usually refund within 14 days of receiving a return. Ask for the date the "
                   "warehouse scanned it in; that starts the clock.")
    mail, ip = conv.pii("EMAIL", me.email()), conv.pii("IP_ADDRESS", ip_address(rng))
    conv.user(f"Their chat says my account {mail} was flagged for logins from {ip}, "
              f"which is my home network. "
              f"I'm {_name(conv, me)}. What do I tell them?")
    conv.assistant("Tell them the address is your home connection and ask them to clear the flag, then "
                   "request the refund status in writing.")


SCENARIOS: tuple[Callable[[Planted, random.Random], None], ...] = (
    job_application, travel_booking, landlord_dispute, medical_appointment, bank_dispute, it_support,
    tax_help, car_insurance, school_enrollment, freelance_invoice, moving_house, online_return,
)
