"""The demo organisation, Northwind IT, built from the seed articles' own examples.

``tandem demo`` (and tests, and benchmarks) call :func:`tandem.demo.builder.demo_load`;
the organisation itself is :mod:`tandem.demo.data`. Everything is written through the
services, exactly as people would write it, so the demo has the same audit history,
derived values and invariants as real data.

Northwind IT is an IT service provider in the Midwest (the seeds' "Increase Brand
Awareness in the Midwest"), so its clock is Chicago's. It has:

* twelve people across every role, and an org chart: the company, four
  departments, seven teams, each with a lead;
* the previous quarter, closed, with weekly check-ins, computed scores in every
  band, and two scores an owner adjusted with a reason;
* this year (the parent cycle) and this quarter, both active, with check-ins
  back-dated roughly weekly (monthly for the year) from the cycle's start up to
  now, so that objectives are on track, at risk, off track or not started;
* the seeds' examples: "Become the go-to IT service provider in our region",
  "Increase Brand Awareness in the Midwest", the company key result "Improve
  free-trial to paid sign-ups from 4% to 8%" that Product, Customer Success,
  Marketing and Sales align to, and "Expand employees by 45%";
* the KPIs the seeds name (MRR, ARR, total contract value, churn, retention, NPS,
  client satisfaction, response, resolution and report turnaround times, time to
  onboard an employee, contracts submitted on time), each with a year of weekly or
  monthly values up to the last completed period, targets (some changed during the
  year), green, yellow, red and stale ones, and one corrected value;
* OKRs and KPIs in tandem: the recurring-revenue and response-time key results read
  MRR and the weekly response time; client satisfaction and ticket resolution time
  guard the growth objective; Finance's "contracts submitted on time" fell behind,
  was promoted to an OKR of the previous quarter, recovered and was demoted; report
  turnaround time has been red for weeks and waits to be promoted; and one
  watermelon: "Turn more free trials into paying clients" is behind while the KPIs
  linked to it (MRR, retention) are green.

Progress in a live cycle is planned against the pace at ``now`` (the elapsed
share of the cycle), so the statuses hold whatever day the demo is loaded. In a
quarter's first three weeks nothing can be off track yet (the pace itself is
below the off-track gap), and in its first nine days nothing can be at risk, so
there is no watermelon yet; in its first four weeks the contracts KPI has not
been green for four whole weeks since the previous quarter, so it stays promoted
and the health page suggests the demotion once it is due. The demo then honestly
shows an early quarter. A KPI's colour today is fixed by its latest values, not by
the date.

Measurements are recorded through the service, so each has its audit record and a
correction keeps the old value as a revision. The service stamps a value with the
moment it is called; since a year of history is written at once, each value is
then dated to the working day after its period ended, and a promotion and its
demotion to the days they happened, with plain updates.

Reloading deletes the previous demo organisation and the people who belong to
it alone, in the same transaction as the rebuild; other organisations are never
touched.
"""
