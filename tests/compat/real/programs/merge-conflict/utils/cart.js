export function cartTotal(lines) {
  return lines.reduce((sum, line) => sum + line.price * line.quantity, 0);
}

export function cartCount(lines) {
<<<<<<< HEAD
  return lines.length;
=======
  return lines.reduce((n, line) => n + line.quantity, 0);
>>>>>>> feature/quantities
}
