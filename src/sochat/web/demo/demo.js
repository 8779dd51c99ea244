// Show the embed tag with this server's address (text only).
(() => {
  const tag = document.querySelector('script[src*="CS/javascript/chat.js"]');
  const out = document.getElementById('tag');
  if (!tag || !out) return;
  const attrs = [...tag.attributes].filter((a) => a.name !== 'src').map((a) => ` ${a.name}${a.value ? `="${a.value}"` : ''}`).join('');
  out.textContent = `<script src="${tag.src}"${attrs}></script>`;
})();
