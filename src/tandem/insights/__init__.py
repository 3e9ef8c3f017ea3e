"""Where OKRs and KPIs meet: guardrails, watermelons, promotion and demotion candidates."""
