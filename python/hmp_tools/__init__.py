"""hmp's tools: hmp-sweep runs scaling studies of the apps (hmp_tools.sweep),
hmp-report turns their records into a report (hmp_tools.report), both
against one record format (hmp_tools.schema, records.schema.json)."""
