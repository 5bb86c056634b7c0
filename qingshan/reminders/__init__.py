"""The deadline engine (domain §8): watched deadlines → stages 蓝/黄/红 → reminders, deliveries and escalation."""
