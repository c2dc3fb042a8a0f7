// The UI's entry point: shows whether the server answers its health check.
const status = document.getElementById("status");

async function checkHealth() {
  try {
    const response = await fetch("/healthz", { cache: "no-store" });
    const text = (await response.text()).trim();
    status.textContent = response.ok ? `Server up: ${text}` : `Server answered ${response.status}`;
    status.className = response.ok ? "ok" : "down";
  } catch (error) {
    status.textContent = `Server unreachable: ${error.message}`;
    status.className = "down";
  }
}

checkHealth();
