"""Print-ready sheets for self-mail cards: stock layouts (`stocks`), cards drawn into their
slots front and back (`imposition`), crop marks (`marks`) and the calibration page
(`calibration`)."""
