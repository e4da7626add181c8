/** Printable HTML reports → PDF through headless Chromium with a CJK-font check. */
export { htmlToPdf, PdfError, type PdfErrorCode, type PdfOptions, resolveChromium } from './pdf.js';
