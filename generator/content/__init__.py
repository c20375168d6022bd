"""Read the content folder: which files are inputs, their parsed records with line numbers, images."""
