// Registers the built-in operators and the preview sink.
import './dedupe.ts';
import './filter.ts';
import './map.ts';
import './preview.ts';
