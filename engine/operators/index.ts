// Registers the built-in operators and the preview sink.
import './filter.ts';
import './map.ts';
import './preview.ts';
