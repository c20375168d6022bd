"""Office files in and out: spreadsheets (template, import, export, ledger.xlsx) and the Word report."""
