"""Documents made from an estimate: the PDF layout, the printable estimate, the Good Faith Estimate, the comparison
printout, and the CSV and calendar exports."""
